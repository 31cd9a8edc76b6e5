// Radio state machines, host power in the headline and batteries: hand-computed cases for the
// radio ledger (lte_rrc and wifi_psm), both engines end to end on the hand-sized platform, and
// the energy section's bad input.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <optional>

#include "helpers.hpp"
#include "model/radio/ledger.hpp"
#include "model/radio/radio.hpp"

using nlohmann::json;
using testing::source_path;
using tiersim::JsonReader;
using tiersim::RadioLedger;
using tiersim::RadioProfile;

namespace {

// Huang et al., MobiSys 2012, Tables 3 and 4 (the values platforms/lte_edge_cloud.xml cites).
const json kLte = {{"promotion_s", 0.2601},      {"promotion_w", 1.2107},          {"alpha_up_w_per_mbps", 0.43839},
                   {"alpha_down_w_per_mbps", 0.05197}, {"beta_w", 1.28804},         {"inactivity_s", 0.1},
                   {"short_drx_s", 0.02},        {"tail_s", 11.576},               {"tail_base_w", 1.060},
                   {"drx_on_w", 1.6802},         {"drx_on_s", 0.001},              {"short_drx_cycle_s", 0.02},
                   {"long_drx_cycle_s", 0.0401}, {"idle_drx_on_w", 0.5943},        {"idle_drx_on_s", 0.0432},
                   {"idle_drx_cycle_s", 1.2802}};
// WiFi PSM: Huang et al.'s WiFi promotion, tail and beacon; 1.3 W while sending (Halperin et al.).
const json kWifi = {{"promotion_s", 0.0791}, {"promotion_w", 0.1244}, {"tx_w", 1.3},          {"rx_w", 0.9},
                    {"tail_s", 0.2381},      {"tail_w", 0.1193},      {"beacon_w", 0.0772}, {"beacon_s", 0.0076},
                    {"beacon_period_s", 0.3082}};

RadioProfile profile(const std::string& model, const json& params) {
  return tiersim::read_radio_model(model, JsonReader(params, "test", "/params"), "test: /model");
}

// Uploads of `bytes` each starting at `starts` and lasting `seconds`, one at a time: the energy
// charged to each (promotion + transfer + tail), indexed by upload.
std::vector<double> uploads(const RadioProfile& radio, const std::vector<double>& starts, double bytes, double seconds) {
  RadioLedger ledger(&radio);
  std::vector<double> charged(starts.size(), 0.0);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    std::optional<RadioLedger::Tail> ended;
    double token = 0;
    charged[i] += ledger.start(starts[i], ended, token);
    if (ended) charged[ended->owner] += ended->joules;
    charged[i] += ledger.end(starts[i] + seconds, token, i, bytes, true, seconds);
  }
  if (const auto tail = ledger.close()) charged[tail->owner] += tail->joules;
  return charged;
}

}  // namespace

// LTE, one 100 kB upload at 5 Mb/s (0.16 s):
//   promotion 0.2601 s x 1.2107 W; transfer 0.43839 W/(Mb/s) x 0.8 Mb + 1.28804 W x 0.16 s;
//   tail: continuous reception 0.1 s x 1.6802 W, short DRX 0.02 s x (1.060 + 0.6202 x 1/20) W,
//   long DRX (11.576 - 0.12) s x (1.060 + 0.6202 x 1/40.1) W.
TEST_CASE("lte_rrc: promotion, transfer and tail of uploads computed by hand", "[energy][radio]") {
  const RadioProfile lte = profile("lte_rrc", kLte);
  const double promotion = 0.2601 * 1.2107;
  const double transfer = 0.43839 * 0.8 + 1.28804 * 0.16;
  const double short_drx_w = 1.060 + (1.6802 - 1.060) * 0.001 / 0.02;
  const double long_drx_w = 1.060 + (1.6802 - 1.060) * 0.001 / 0.0401;
  const double full_tail = 0.1 * 1.6802 + 0.02 * short_drx_w + (11.576 - 0.12) * long_drx_w;
  CHECK(lte.tail_s() == Approx(11.576).epsilon(1e-12));
  CHECK(lte.idle_w == Approx(0.5943 * 0.0432 / 1.2802).epsilon(1e-12));

  SECTION("one upload from idle: promotion + transfer + the full tail") {
    const auto e = uploads(lte, {0.0}, 1e5, 0.16);
    CHECK(e[0] == Approx(promotion + transfer + full_tail).margin(1e-9));
  }
  SECTION("two uploads 1 s apart: one promotion; the first one's tail is cut after 0.84 s") {
    const auto e = uploads(lte, {0.0, 1.0}, 1e5, 0.16);
    const double cut_tail = 0.1 * 1.6802 + 0.02 * short_drx_w + (0.84 - 0.12) * long_drx_w;
    CHECK(e[0] == Approx(promotion + transfer + cut_tail).margin(1e-9));
    CHECK(e[1] == Approx(transfer + full_tail).margin(1e-9));
  }
  SECTION("two uploads 20 s apart: two promotions, two full tails") {
    const auto e = uploads(lte, {0.0, 20.0}, 1e5, 0.16);
    CHECK(e[0] == Approx(promotion + transfer + full_tail).margin(1e-9));
    CHECK(e[1] == Approx(promotion + transfer + full_tail).margin(1e-9));
  }
  SECTION("a tail cut inside continuous reception") {
    const auto e = uploads(lte, {0.0, 0.21}, 1e5, 0.16);
    CHECK(e[0] == Approx(promotion + transfer + 0.05 * 1.6802).margin(1e-9));
  }
}

// WiFi PSM, one 100 kB upload at 100 Mb/s (0.008 s): wake-up 0.0791 s x 0.1244 W; 1.3 W x 0.008 s;
// idle listening 0.2381 s x 0.1193 W.
TEST_CASE("wifi_psm: wake-up, transfer and idle-listening tail computed by hand", "[energy][radio]") {
  const RadioProfile wifi = profile("wifi_psm", kWifi);
  const double wake = 0.0791 * 0.1244, transfer = 1.3 * 0.008, full_tail = 0.2381 * 0.1193;
  CHECK(wifi.idle_w == Approx(0.0772 * 0.0076 / 0.3082).epsilon(1e-12));
  SECTION("one upload from sleep") {
    CHECK(uploads(wifi, {0.0}, 1e5, 0.008)[0] == Approx(wake + transfer + full_tail).margin(1e-9));
  }
  SECTION("two uploads 0.1 s apart share one wake-up; the first tail is cut after 0.092 s") {
    const auto e = uploads(wifi, {0.0, 0.1}, 1e5, 0.008);
    CHECK(e[0] == Approx(wake + transfer + 0.092 * 0.1193).margin(1e-9));
    CHECK(e[1] == Approx(transfer + full_tail).margin(1e-9));
  }
  SECTION("two uploads 1 s apart: the radio sleeps between them") {
    const auto e = uploads(wifi, {0.0, 1.0}, 1e5, 0.008);
    CHECK(e[0] == Approx(wake + transfer + full_tail).margin(1e-9));
    CHECK(e[1] == Approx(wake + transfer + full_tail).margin(1e-9));
  }
}

// Transfers A [0, 0.2] and B [0.1, 0.3] overlap: the 1.28804 W base is drawn for 0.3 s, shared
// half and half while both are active: A pays 0.1 + 0.05 s of it, B 0.05 + 0.1 s; the tail is B's.
TEST_CASE("overlapping transfers of one device share the radio's base power", "[energy][radio]") {
  const RadioProfile lte = profile("lte_rrc", kLte);
  RadioLedger ledger(&lte);
  std::optional<RadioLedger::Tail> ended;
  double a = 0, b = 0;
  const double promotion = ledger.start(0.0, ended, a);
  CHECK(ledger.start(0.1, ended, b) == 0.0);
  const double ea = ledger.end(0.2, a, 1, 0.0, true, 0.2);
  CHECK_FALSE(ledger.tail_owner());
  const double eb = ledger.end(0.3, b, 2, 0.0, true, 0.2);
  CHECK(promotion == Approx(0.2601 * 1.2107).margin(1e-12));
  CHECK(ea == Approx(1.28804 * 0.15).margin(1e-12));
  CHECK(eb == Approx(1.28804 * 0.15).margin(1e-12));
  REQUIRE(ledger.tail_owner());
  CHECK(*ledger.tail_owner() == 2);
  CHECK(ledger.close()->joules == Approx(lte.tail_j(11.576)).margin(1e-12));
  CHECK(ledger.up_seconds() == Approx(0.3 + 11.576).margin(1e-12));
}

namespace {

// tests/data/tiny_platform.xml with phone-0's radio replaced by `radio` properties.
std::string platform_with(const std::string& dir, const std::string& radio_props, const std::string& extra = "") {
  std::string xml = testing::read_text(source_path("tests/data/tiny_platform.xml"));
  const std::string legacy = "      <prop id=\"radio_tx_w\" value=\"1.0\"/>\n      <prop id=\"radio_rx_w\" value=\"0.5\"/>\n";
  const auto at = xml.find(legacy);
  xml.replace(at, legacy.size(), radio_props + extra);
  return testing::write_file(dir + "/platform.xml", xml);
}

std::string lte_props() {
  std::string props = "      <prop id=\"radio\" value=\"lte_rrc\"/>\n";
  for (const auto& [key, value] : kLte.items())
    props += fmt::format("      <prop id=\"radio.{}\" value=\"{}\"/>\n", key, value.get<double>());
  return props;
}

json energy_config(const std::string& engine, const std::string& platform, double rate_hz, const std::string& policy) {
  return {{"name", "energy-" + engine},
          {"trace", source_path("tests/data/tiny.csv")},
          {"profile", source_path("tests/data/tiny.profile.json")},
          {"platform", platform},
          {"policy", policy == "entropy" ? json{{"name", "entropy"}, {"params", {{"thresholds", {0.5, 1.0, 0.0}}}}}
                                         : json{{"name", policy}}},
          {"workload",
           {{"devices", 1},
            {"requests", 4},
            {"arrival", {{"process", "periodic"}, {"rate_hz", rate_hz}}},
            {"sample_order", "trace"},
            {"result_bytes", 64}}},
          {"servers", {{"edge", {{"workers", 2}}}, {"cloud", {{"workers", 4}}}}},
          {"simulation", {{"engine", engine}, {"network_model", "CM02"}, {"seed", 1}}},
          {"outputs", {{"requests_csv", true}}}};
}

json run_energy(const json& config, const std::string& dir) {
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  return testing::read_json(dir + "/out/runs/" + config["name"].get<std::string>() + "/summary.json");
}

}  // namespace

// The hand scenario of test_engines.cpp with phone-0 on lte_rrc and requests 100 s apart (every
// tail runs in full). Upload 1000 B in 0.011 s, reply 64 B in 0.010064 s (from the edge) or
// 0.030064 s (from the cloud; the reply crosses the radio for all of it).
//   s0: exits on the phone: no radio energy.
//   s1: promotion; upload 0.43839 x 0.008 Mb + 1.28804 x 0.011; the tail between upload and reply
//       (edge compute 0.2 s); reply 0.05197 x 0.000512 Mb + 1.28804 x 0.010064; a full tail.
//   s2, s3: the same with the cloud: tail cut after 0.2 + 0.02005 + 0.04 s, reply 0.030064 s.
TEST_CASE("both engines charge lte_rrc's promotion, transfers and tails as computed by hand", "[energy][radio][engine]") {
  const RadioProfile lte = profile("lte_rrc", kLte);
  const double promotion = 0.2601 * 1.2107, up = 0.43839 * 0.008 + 1.28804 * 0.011, full = lte.tail_j(11.576);
  auto reply = [](double seconds) { return 0.05197 * 64 * 8e-6 + 1.28804 * seconds; };
  const double radio[4] = {0, promotion + up + reply(0.010064), promotion + up + reply(0.030064),
                           promotion + up + reply(0.030064)};
  const double tail[4] = {0, lte.tail_j(0.2) + full, lte.tail_j(0.26005) + full, lte.tail_j(0.26005) + full};
  for (const std::string engine : {"analytic", "simgrid"}) {
    SECTION(engine) {
      const auto dir = testing::scratch_dir("lte_hand_" + engine);
      const json s = run_energy(energy_config(engine, platform_with(dir, lte_props()), 0.01, "entropy"), dir);
      const auto rows = testing::read_csv(dir + "/out/runs/energy-" + engine + "/requests.csv");
      REQUIRE(rows.size() == 5);
      REQUIRE(rows[0][10] == "mobile_radio_j");
      REQUIRE(rows[0][18] == "mobile_radio_tail_j");
      double radio_sum = 0, tail_sum = 0;
      for (int i = 1; i <= 4; ++i) {
        const int sample = std::stoi(rows[i][2]);
        INFO("sample " << sample);
        CHECK(std::stod(rows[i][10]) == Approx(radio[sample]).margin(1e-9));
        CHECK(std::stod(rows[i][18]) == Approx(tail[sample]).margin(1e-9));
        radio_sum += radio[sample];
        tail_sum += tail[sample];
      }
      const auto& e = s["energy_j_per_inference"];
      CHECK(e["mobile_radio"].get<double>() == Approx(radio_sum / 4).epsilon(1e-12));
      CHECK(e["mobile_radio_tail"].get<double>() == Approx(tail_sum / 4).epsilon(1e-12));
      CHECK(e["total"].get<double>() == Approx(2.3e-4 + (radio_sum + tail_sum) / 4 + 3 * 9.2e-3 / 4 + 0.0092).epsilon(1e-12));
      CHECK(e["mobile_idle"] == 0.0);
      CHECK(e["edge_idle"] == 0.0);
      CHECK(s["energy_model"] == json{{"radio", "lte_rrc"}, {"compute", "macs"}, {"server_idle", "excluded"},
                                      {"device_idle", "excluded"}});
    }
  }
}

// all-on-edge on the hand platform (constant radio), compute energy from host power, server idle
// shared. Each request: upload 2000 B (0.012 s x 1 W), edge runs s0 + s1 (3e9 MAC at 10 GMAC/s =
// 0.3 s at 15 W above its 10 W idle: 4.5 J), reply 64 B (0.010064 s x 0.5 W). Periodic arrivals
// 1/rate apart from a random phase u: the run lasts T = (u + 3) / rate + 0.322064 s, over which
// the edge idles at 10 W and the cloud at 100 W, shared over the 4 inferences.
TEST_CASE("host power in the headline: busy and idle energy of one server by hand, at two loads", "[energy][engine]") {
  for (const std::string engine : {"analytic", "simgrid"}) {
    SECTION(engine) {
      std::vector<double> totals;
      for (const double rate : {1.0, 0.1}) {
        const auto dir = testing::scratch_dir(fmt::format("host_power_{}_{}", engine, rate));
        json config = energy_config(engine, source_path("tests/data/tiny_platform.xml"), rate, "all-on-edge");
        config["energy"] = {{"compute", "host_power"}};
        const json s = run_energy(config, dir);
        const auto rows = testing::read_csv(dir + "/out/runs/energy-" + engine + "/requests.csv");
        double first = 1e300, last = 0;
        for (std::size_t i = 1; i < rows.size(); ++i) {
          first = std::min(first, std::stod(rows[i][3]));
          last = std::max(last, std::stod(rows[i][3]));
        }
        CHECK(last - first == Approx(3 / rate).epsilon(1e-12));
        const double t = last + 0.012 + 0.3 + 0.010064;
        CHECK(s["simulated_time_s"].get<double>() == Approx(t).epsilon(1e-12));
        const auto& e = s["energy_j_per_inference"];
        CHECK(e["mobile_compute"].get<double>() == 0.0);
        CHECK(e["mobile_radio"].get<double>() == Approx(0.012 + 0.5 * 0.010064).epsilon(1e-12));
        CHECK(e["edge"].get<double>() == Approx(4.5).epsilon(1e-9));
        CHECK(e["edge_idle"].get<double>() == Approx(10 * t / 4).epsilon(1e-12));
        CHECK(e["cloud_idle"].get<double>() == Approx(100 * t / 4).epsilon(1e-12));
        CHECK(e["mobile_idle"].get<double>() == 0.0);
        CHECK(e["total"].get<double>() == Approx(0.012 + 0.005032 + 4.5 + 110 * t / 4).epsilon(1e-12));
        CHECK(s["energy_model"]["compute"] == "host_power");
        CHECK(s["energy_model"]["server_idle"] == "shared");
        // The MAC figures are still reported: s0 (int8) and s1 (fp32) on the edge.
        CHECK(s["mac_energy_j_per_inference"]["edge"].get<double>() == Approx(2.3e-4 + 9.2e-3).epsilon(1e-12));
        totals.push_back(e["total"].get<double>());
      }
      CHECK(totals[0] < totals[1] / 5);  // ten times the load: the idle power is shared ~10x thinner
    }
  }
}

// A 1 000 J battery (config) on the hand scenario with the constant radio; per device per inference
// 2.3e-4 J of compute on the phone plus its radio energy (the test_engines.cpp figures).
TEST_CASE("a battery reports the share 1 000 inferences drain and the hours it lasts", "[energy][battery]") {
  const auto dir = testing::scratch_dir("battery");
  json config = energy_config("simgrid", source_path("tests/data/tiny_platform.xml"), 0.01, "entropy");
  config["energy"] = {{"battery", {{"mah", 1000.0 / 3.6 / 4}, {"volts", 4.0}}}};  // 1 000 J
  const json s = run_energy(config, dir);
  const double device_j = 4 * 2.3e-4 + 0.011 + 0.5 * 0.010064 + 2 * (0.011 + 0.5 * 0.030064);
  CHECK(s["battery"]["capacity_j"].get<double>() == Approx(1000).epsilon(1e-12));
  CHECK(s["battery"]["drained_per_1000_inferences"].get<double>() == Approx(device_j / 4 * 1000 / 1000).epsilon(1e-12));
  const double t = s["simulated_time_s"].get<double>();
  CHECK(s["battery"]["hours_to_empty"].get<double>() == Approx(1000 / (device_j / t) / 3600).epsilon(1e-12));
}

TEST_CASE("bad energy input exits 2 naming the file, host and property", "[energy][bad_input]") {
  const auto dir = testing::scratch_dir("energy_bad");
  auto fails = [&](const json& config, const std::string& expected) {
    const auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out");
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(expected) != std::string::npos);
  };
  const std::string tiny = source_path("tests/data/tiny_platform.xml");
  SECTION("a missing radio parameter") {
    std::string props = lte_props();
    props.erase(props.find("      <prop id=\"radio.tail_s\""), std::string("      <prop id=\"radio.tail_s\" value=\"11.576\"/>\n").size());
    fails(energy_config("analytic", platform_with(dir, props), 1, "entropy"),
          "platform.xml: host phone-0: radio: expected a key \"tail_s\"");
  }
  SECTION("a negative tail") {
    std::string props = lte_props();
    props.replace(props.find("value=\"11.576\""), 14, "value=\"-1\"");
    fails(energy_config("analytic", platform_with(dir, props), 1, "entropy"),
          "platform.xml: host phone-0: property radio.tail_s=\"-1\": expected a number >= 0");
  }
  SECTION("an unknown radio parameter") {
    fails(energy_config("analytic", platform_with(dir, lte_props(), "      <prop id=\"radio.tail_ms\" value=\"1\"/>\n"), 1,
                        "entropy"),
          "platform.xml: host phone-0: radio.tail_ms: unknown key");
  }
  SECTION("a tail shorter than its DRX phases") {
    json config = energy_config("analytic", tiny, 1, "entropy");
    json params = kLte;
    params["tail_s"] = 0.05;
    config["energy"] = {{"radio", {{"model", "lte_rrc"}, {"params", params}}}};
    fails(config, "/energy/radio/params/tail_s: expected a tail at least inactivity_s + short_drx_s = 0.12 s long, got 0.05");
  }
  SECTION("an unknown radio model") {
    json config = energy_config("analytic", tiny, 1, "entropy");
    config["energy"] = {{"radio", {{"model", "lte"}}}};
    fails(config, "/energy/radio/model: unknown radio model \"lte\" (expected one of: constant, lte_rrc, wifi_psm)");
  }
  SECTION("a battery of 0") {
    fails(energy_config("analytic", platform_with(dir, "", "      <prop id=\"battery_j\" value=\"0\"/>\n"), 1, "entropy"),
          "platform.xml: host phone-0: property battery_j=\"0\": expected a number > 0");
    json config = energy_config("analytic", tiny, 1, "entropy");
    config["energy"] = {{"battery", {{"capacity_j", 0}}}};
    fails(config, "/energy/battery/capacity_j: expected a number in");
  }
  SECTION("host_power on hosts without power states") {
    std::string xml = testing::read_text(tiny);
    const std::string edge_power = "<prop id=\"wattage_per_state\" value=\"10:20:30\"/>";
    xml.replace(xml.find(edge_power), edge_power.size(), "");
    const std::string platform = testing::write_file(dir + "/platform.xml", xml);
    json config = energy_config("analytic", platform, 1, "entropy");
    config["energy"] = {{"compute", "host_power"}};
    fails(config, "platform.xml: host edge-0: property wattage_per_state: expected the host's power states (needed by "
                  "energy.compute = host_power in ");
  }
}
