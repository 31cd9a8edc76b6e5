// Engines end to end through the tiersim binary: a hand-computed scenario, agreement of the
// analytic and SimGrid engines at vanishing load, and reproducibility.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>

#include "helpers.hpp"
#include "model/summary.hpp"

using nlohmann::json;
using testing::source_path;

namespace {

json hand_config(const std::string& engine) {
  return {{"name", "hand-" + engine},
          {"trace", source_path("tests/data/tiny.csv")},
          {"profile", source_path("tests/data/tiny.profile.json")},
          {"platform", source_path("tests/data/tiny_platform.xml")},
          {"policy", {{"name", "entropy"}, {"params", {{"thresholds", {0.5, 1.0, 0.0}}}}}},
          {"workload",
           {{"devices", 1},
            {"requests", 4},
            {"arrival", {{"process", "poisson"}, {"rate_hz", 0.001}}},
            {"sample_order", "trace"},
            {"result_bytes", 64}}},
          {"servers", {{"edge", {{"workers", 2}}}, {"cloud", {{"workers", 4}}}}},
          {"simulation", {{"engine", engine}, {"network_model", "CM02"}, {"seed", 1}}},
          {"outputs", {{"requests_csv", true}}}};
}

json run(const json& config, const std::string& dir) {
  auto path = testing::write_config(dir, config);
  auto r = testing::run_cli("run " + path + " -o " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  return testing::read_json(dir + "/out/runs/" + config["name"].get<std::string>() + "/summary.json");
}

double rel(double a, double b) { return a == b ? 0.0 : std::abs(a - b) / std::max(std::abs(a), std::abs(b)); }

}  // namespace

// Hand calculation (tests/data/tiny_platform.xml, tiny.profile.json; 45 nm pJ/MAC: int8 0.23, fp32 4.6):
//  mobile stage 0: 1e9 MAC at 1 GMAC/s = 1 s, 1e9 x 0.23 pJ = 2.3e-4 J, host busy 2 - 0.5 W = 1.5 J
//  upload 1000 B over the 1 MB/s, 10 ms radio: 0.011 s, x 1 W radio = 0.011 J
//  edge stage 1: 2e9 MAC at 10 GMAC/s = 0.2 s, 2e9 x 4.6 pJ = 9.2e-3 J,
//                host busy 20 + (30 - 20) / 2 - 10 = 15 W -> 3 J
//  edge -> cloud 500 B over the 10 MB/s, 20 ms WAN: 0.02005 s
//  cloud stage 2: 4e9 MAC at 100 GMAC/s = 0.04 s, 4e9 x 4.6 pJ = 0.0184 J
//  reply 64 B: from the edge 0.010064 s; from the cloud (WAN + radio) 0.030064 s; x 0.5 W radio rx
// Sample paths under entropy thresholds (0.5, 1.0): s0 exits on the mobile at exit 0; s1 at
// exit 1 on the edge; s2 and s3 go on to the cloud (see test_policies.cpp).
TEST_CASE("a hand-sized scenario gives the hand-computed latency and energy in both engines", "[engine][energy]") {
  struct Expected {
    double latency, mobile_j, radio_j, edge_j, cloud_j, bytes_up;
    const char* tier;
  };
  const Expected expected[4] = {
      {1.0, 2.3e-4, 0.0, 0.0, 0.0, 0.0, "mobile"},
      {1.0 + 0.011 + 0.2 + 0.010064, 2.3e-4, 0.011 + 0.5 * 0.010064, 9.2e-3, 0.0, 1000, "edge"},
      {1.0 + 0.011 + 0.2 + 0.02005 + 0.04 + 0.030064, 2.3e-4, 0.011 + 0.5 * 0.030064, 9.2e-3, 0.0184, 1500, "cloud"},
      {1.0 + 0.011 + 0.2 + 0.02005 + 0.04 + 0.030064, 2.3e-4, 0.011 + 0.5 * 0.030064, 9.2e-3, 0.0184, 1500, "cloud"},
  };
  for (const std::string engine : {"analytic", "simgrid"}) {
    SECTION(engine) {
      auto dir = testing::scratch_dir("hand_" + engine);
      json s = run(hand_config(engine), dir);
      auto rows = testing::read_csv(dir + "/out/runs/hand-" + engine + "/requests.csv");
      REQUIRE(rows.size() == 5);
      REQUIRE(rows[0][5] == "latency_s");
      for (int i = 0; i < 4; ++i) {
        const auto& row = rows[i + 1];
        const Expected& e = expected[std::stoi(row[2])];
        INFO("sample " << row[2]);
        CHECK(std::stod(row[5]) == Approx(e.latency).epsilon(1e-9));
        CHECK(row[7] == e.tier);
        CHECK(std::stod(row[9]) == Approx(e.mobile_j).epsilon(1e-9));
        CHECK(std::stod(row[10]) == Approx(e.radio_j).epsilon(1e-9));
        CHECK(std::stod(row[11]) == Approx(e.edge_j).epsilon(1e-9));
        CHECK(std::stod(row[12]) == Approx(e.cloud_j).epsilon(1e-9));
        CHECK(std::stod(row[13]) == e.bytes_up);
      }
      CHECK(s["accuracy"] == 0.75);
      CHECK(s["exit_fraction"]["mobile"] == 0.25);
      CHECK(s["exit_fraction"]["edge"] == 0.25);
      CHECK(s["exit_fraction"]["cloud"] == 0.5);
      const auto& energy = s["energy_j_per_inference"];
      CHECK(energy["mobile_compute"].get<double>() == Approx(2.3e-4));
      CHECK(energy["edge"].get<double>() == Approx(3 * 9.2e-3 / 4));
      CHECK(energy["cloud"].get<double>() == Approx(2 * 0.0184 / 4));
      CHECK(energy["total"].get<double>() ==
            Approx(2.3e-4 + (0.011 + 0.5 * 0.010064 + 2 * (0.011 + 0.5 * 0.030064)) / 4 + 3 * 9.2e-3 / 4 + 0.0092));
      // Host energy above idle (SimGrid's host energy plugin in the simgrid engine):
      // mobile 1.5 J x 4 requests; edge 3 J x 3; cloud 200 + (400 - 200) / 4 - 100 = 150 W x 0.04 s x 2.
      const auto& host = s["host_energy_j_per_inference"];
      CHECK(host["mobile"].get<double>() == Approx(1.5).epsilon(1e-6));
      CHECK(host["edge"].get<double>() == Approx(3.0 * 3 / 4).epsilon(1e-6));
      CHECK(host["cloud"].get<double>() == Approx(150 * 0.04 * 2 / 4).epsilon(1e-6));
      CHECK(s["offloaded_bytes"].get<double>() == Approx((1000 + 1500 + 1500) / 4.0));
      // Per true class (labels a, b, c, b): a ends on the mobile; b on the edge (s1, right) and in
      // the cloud (s3, wrong); c in the cloud.
      CHECK(s["by_class"]["a"]["exit_fraction"]["mobile"] == 1.0);
      CHECK(s["by_class"]["b"]["requests"] == 2);
      CHECK(s["by_class"]["b"]["exit_fraction"]["edge"] == 0.5);
      CHECK(s["by_class"]["b"]["exit_fraction"]["cloud"] == 0.5);
      CHECK(s["by_class"]["b"]["accuracy"] == 0.5);
      CHECK(s["by_class"]["c"]["exit_fraction"]["cloud"] == 1.0);
      // All three stages at fp32: (1 + 2 + 4) x 1e9 MAC x 4.6 pJ = 0.0322 J, against the mean compute energy.
      CHECK(s["compute_energy_fp32_reference_j"].get<double>() == Approx(0.0322));
      CHECK(s["compute_energy_reduction_vs_fp32"].get<double>() ==
            Approx(0.0322 / (2.3e-4 + 3 * 9.2e-3 / 4 + 2 * 0.0184 / 4)));
    }
  }
}

// network.link_bandwidth_Bps on the hand scenario: WAN 10 -> 1 MB/s, both radios (by glob)
// 1 -> 2 MB/s. Sample 2 (ends in the cloud): upload 1000 B in 0.01 + 1000 / 2e6 = 0.0105 s;
// edge -> cloud 500 B in 0.02 + 500 / 1e6 = 0.0205 s; reply over WAN + radio (bottleneck now the
// 1 MB/s WAN) 0.03 + 64 / 1e6 s.
TEST_CASE("link bandwidth overrides from the config reach both engines", "[engine][network]") {
  for (const std::string engine : {"analytic", "simgrid"}) {
    SECTION(engine) {
      auto dir = testing::scratch_dir("bandwidth_" + engine);
      json config = hand_config(engine);
      config["network"] = {{"link_bandwidth_Bps", {{"wan", 1e6}, {"radio*", 2e6}}}};
      run(config, dir);
      auto rows = testing::read_csv(dir + "/out/runs/hand-" + engine + "/requests.csv");
      REQUIRE(rows.size() == 5);
      for (std::size_t i = 1; i < rows.size(); ++i) {
        if (rows[i][2] != "2") continue;
        CHECK(std::stod(rows[i][5]) == Approx(1.0 + 0.0105 + 0.2 + 0.0205 + 0.04 + 0.030064).epsilon(1e-9));
      }
    }
  }
  auto dir = testing::scratch_dir("bandwidth_bad");
  json config = hand_config("analytic");
  config["network"] = {{"link_bandwidth_Bps", {{"wlan*", 1e6}}}};
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Matchers::Contains("/network/link_bandwidth_Bps/wlan*: expected the id (or a glob) of a "
                                              "link of") &&
                        Catch::Matchers::Contains("radio0"));
}

// Pseudo training dynamics for the BERT trace: its 12 exits' gold-label probabilities taken as
// 12 epochs (real dynamics come from training; this only exercises the policy in both engines).
static std::string bert_pseudo_dynamics() {
  auto dir = testing::scratch_dir("bert_dynamics");
  auto rows = testing::read_csv(source_path("traces/sst2_bert12.csv"));
  std::string text = "sample,epoch,gold_prob\n";
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const double conf = std::stod(rows[i][4]);
    const bool right = rows[i][2] == rows[i][3];
    text += rows[i][0] + "," + rows[i][1] + "," + std::to_string(right ? conf : 1 - conf) + "\n";
  }
  return testing::write_file(dir + "/dyn.csv", text);
}

TEST_CASE("analytic and SimGrid engines agree at vanishing load", "[engine][agreement]") {
  const std::vector<json> policies = {
      {{"name", "dimec_dc"}, {"params", {{"dynamics", bert_pseudo_dynamics()}, {"exit_confidence", 0.9}}}},
      {{"name", "entropy"}, {"params", {{"thresholds", 0.25}}}},
      {{"name", "max_softmax"}, {"params", {{"thresholds", 0.95}}}},
      {{"name", "all-on-edge"}},
      {{"name", "all-in-cloud"}},
      {{"name", "normalized_entropy"}, {"params", {{"thresholds", 0.4}}}},
      {{"name", "patience"}, {"params", {{"patience", 2}}}},
      {{"name", "random"}, {"params", {{"rate", 0.6}}}},
      {{"name", "oracle"}},
      {{"name", "meanet"},
       {"params", {{"entropy_threshold", 0.5}, {"main_exit", 3}, {"extension_exit", 4}, {"calibration_split", "all"}}}},
      // Adaptive policies: at vanishing load the SimGrid engine's state is the zero-load state,
      // and each request ends before the next arrives (the learners see the same outcomes).
      {{"name", "buffer_threshold"}, {"params", {{"theta1", 0.1}, {"theta2", 0.8}}}},
      {{"name", "ucb_threshold"}, {"params", {{"thresholds", {0.6, 0.8, 0.95}}, {"exit", 3}}}},
      {{"name", "ucb_exit"}, {"params", {{"alpha", 0.9}, {"lambda", 0.02}, {"o", 0.1}}}},
      {{"name", "deadline_aware"}, {"params", {{"deadline_s", 0.08}, {"threshold", 0.95}}}},
  };
  // The LTE case also takes compute energy from host power and shares every idle power: at
  // vanishing load each request pays a full radio tail, and the idle shares follow the run's length.
  const json host_power = {{"compute", "host_power"}, {"device_idle", "shared"}};
  const std::vector<std::tuple<std::string, std::string, json>> setups = {
      {"platforms/wifi_edge_cloud.xml", "CM02", json::object()},
      {"platforms/lte_edge_cloud.xml", "CM02", host_power},
      {"platforms/wifi_edge_cloud.xml", "LV08", json::object()},
      // The shipped calibrated models (platforms/network/): factors and TCP windows by route and
      // size, capacity factors on the radio links.
      {"platforms/wifi_edge_cloud.xml", "wifi_edge_cloud_ns3", json::object()},
      {"platforms/lte_edge_cloud.xml", "lte_edge_cloud_ns3", host_power}};
  for (const auto& [platform, network_model, energy] : setups)
    for (const auto& policy : policies) {
      std::map<std::string, json> out;
      for (const std::string engine : {"analytic", "simgrid"}) {
        json config = {{"name", "agree-" + engine},
                       {"trace", source_path("traces/sst2_bert12.csv")},
                       {"profile", source_path("traces/sst2_bert12.profile.json")},
                       {"platform", source_path(platform)},
                       {"policy", policy},
                       {"workload",
                        {{"devices", 1}, {"requests", 872}, {"arrival", {{"process", "periodic"}, {"rate_hz", 0.01}}}}},
                       {"simulation", {{"engine", engine}, {"network_model", network_model}, {"seed", 7}}}};
        if (!energy.empty()) config["energy"] = energy;
        out[engine] = run(config, testing::scratch_dir("agree_" + engine));
      }
      const json &a = out["analytic"], &s = out["simgrid"];
      INFO(platform << " " << network_model << " " << policy.dump());
      CHECK(s["network_model"] == network_model);
      CHECK(a["accuracy"] == s["accuracy"]);
      CHECK(a["exit_fraction"] == s["exit_fraction"]);
      CHECK(a["exit_fraction_by_exit"] == s["exit_fraction_by_exit"]);
      CHECK(rel(a["latency_s"]["mean"], s["latency_s"]["mean"]) < 1e-6);
      CHECK(a["energy_model"] == s["energy_model"]);
      for (const auto& key : {"mobile_compute", "mobile_radio", "mobile_radio_tail", "mobile_idle", "edge", "cloud",
                              "edge_idle", "cloud_idle", "total"})
        CHECK(rel(a["energy_j_per_inference"][key], s["energy_j_per_inference"][key]) < 1e-6);
      for (const auto& key : {"mobile", "edge", "cloud"})
        CHECK(rel(a["host_energy_j_per_inference"][key], s["host_energy_j_per_inference"][key]) < 1e-6);
    }
}

TEST_CASE("the same config and seed give a byte-identical summary.json except wall time", "[engine][determinism]") {
  for (const std::string engine : {"analytic", "simgrid"}) {
    std::string texts[2];
    for (int i = 0; i < 2; ++i) {
      auto dir = testing::scratch_dir("determinism_" + engine + std::to_string(i));
      auto path = testing::write_config(dir, [&] {
        json c = testing::read_json(source_path("experiments/quickstart.json"));
        c["trace"] = source_path("traces/sst2_bert12.csv");
        c["profile"] = source_path("traces/sst2_bert12.profile.json");
        c["platform"] = source_path("platforms/wifi_edge_cloud.xml");
        c["workload"]["requests"] = 3000;
        c["simulation"]["engine"] = engine;
        return c;
      }());
      auto r = testing::run_cli("run " + path + " -o " + dir + "/out");
      REQUIRE(r.status == 0);
      std::ifstream in(dir + "/out/runs/quickstart/summary.json");
      std::string line;
      while (std::getline(in, line))
        if (line.find("\"wall_time_s\"") == std::string::npos) texts[i] += line + "\n";
    }
    INFO(engine);
    CHECK(texts[0] == texts[1]);
    CHECK(texts[0].size() > 500);
  }
}

TEST_CASE("every shipped experiment config validates, with its points", "[config]") {
  // load, network, serving and adaptive: three seeds per point.
  const std::map<std::string, int> points = {{"quickstart", 1},   {"meanet", 14},     {"hybrid", 22},
                                             {"cartography", 60}, {"load", 3 * 70},   {"network", 3 * 48},
                                             {"serving", 3 * 72}, {"adaptive", 3 * 30}};
  for (const auto& [name, count] : points) {
    auto r = testing::run_cli("validate " + source_path("experiments/" + name + ".json"));
    INFO(name << ": " << r.err);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Matchers::Contains(fmt::format("valid: {} point", count)));
  }
}

// SimGrid's link energy plugin, on a link given "wattage_range" = "1:3" (idle 1 W, busy 3 W):
// 1 W over the whole run plus 2 W while a transfer crosses it. In SimGrid 3.32 a transfer
// keeps the link busy from its start, latency phase included. On radio0 in the hand scenario:
// s1 upload 10 ms + 1000 B at 1 MB/s, reply 10 ms + 64 B; s2 and s3 uploads alike and replies
// from the cloud with 30 ms of route latency + 64 B: 0.1 s of latency and 3.192 ms of bytes.
TEST_CASE("link energy comes from SimGrid's link energy plugin when a link has a wattage range", "[engine][energy]") {
  auto dir = testing::scratch_dir("link_energy");
  std::ifstream in(source_path("tests/data/tiny_platform.xml"));
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string plain = R"(<link id="radio0" bandwidth="1MBps" latency="10ms"/>)";
  REQUIRE(xml.find(plain) != std::string::npos);
  xml.replace(xml.find(plain), plain.size(),
              R"(<link id="radio0" bandwidth="1MBps" latency="10ms"><prop id="wattage_range" value="1:3"/></link>)");
  // A 3 MB comment before it: the file is scanned in 1 MiB blocks, and the word is still found.
  xml.insert(xml.find("<platform"), "<!-- " + std::string(3 << 20, 'x') + " -->\n");
  testing::write_file(dir + "/p.xml", xml);
  json config = hand_config("simgrid");
  config["platform"] = dir + "/p.xml";
  json s = run(config, dir);
  const double T = s["simulated_time_s"];
  CHECK(s["network_energy_j_per_inference"].get<double>() == Approx((1.0 * T + 2.0 * (0.1 + 0.003192)) / 4).epsilon(1e-9));
  CHECK(tiersim::check_summary(s).empty());  // the optional network energy is a field of the table
  json plain_run = run(hand_config("simgrid"), testing::scratch_dir("link_energy_none"));
  CHECK_FALSE(plain_run.contains("network_energy_j_per_inference"));
}

// A binarized first stage (the conditionally deep hybrid network's edge layers): the
// reduction is the fp32 network's energy over the binary stage's, exactly from the profile.
TEST_CASE("compute-energy reduction of a binarized stage against the all-fp32 network", "[engine][energy]") {
  auto dir = testing::scratch_dir("binary_stage");
  json profile = testing::read_json(source_path("tests/data/tiny.profile.json"));
  profile["stages"][0]["bits"] = 1;
  testing::write_file(dir + "/p.json", profile.dump());
  json config = hand_config("analytic");
  config["profile"] = dir + "/p.json";
  config["policy"] = {{"name", "all-on-mobile"}};
  json s = run(config, dir);
  const double binary_pj = 0.2 / 64 + 0.03 / 8;  // XNOR + popcount, 45 nm table
  CHECK(s["energy_j_per_inference"]["mobile_compute"].get<double>() == Approx(1e9 * binary_pj * 1e-12));
  CHECK(s["compute_energy_reduction_vs_fp32"].get<double>() == Approx(7e9 * 4.6 / (1e9 * binary_pj)));
}

// On the shipped traces: the oracle bounds every policy's accuracy; all-in-cloud answers with
// the final exit; a threshold that never exits early answers exactly like it.
TEST_CASE("policies on the shipped traces keep the orderings they must", "[engine][shipped]") {
  struct Case {
    std::string trace, threshold_policy;
    json never_early;  // a policy whose parameters never let a sample out before the final exit
    int samples;
  };
  const std::vector<Case> cases = {
      {"sst2_bert12", "entropy", {{"name", "entropy"}, {"params", {{"thresholds", 0.0}}}}, 872},
      {"cifar10_mobilenet2", "max_softmax", {{"name", "patience"}, {"params", {{"patience", 5}}}}, 10000}};
  for (const auto& c : cases) {
    auto summary = [&](const json& policy) {
      json config = {{"name", "shipped"},
                     {"trace", source_path("traces/" + c.trace + ".csv")},
                     {"profile", source_path("traces/" + c.trace + ".profile.json")},
                     {"platform", source_path("platforms/wifi_edge_cloud.xml")},
                     {"policy", policy},
                     {"workload",
                      {{"devices", 1}, {"requests", c.samples}, {"sample_order", "trace"},
                       {"arrival", {{"process", "periodic"}, {"rate_hz", 1}}}}},
                     {"simulation", {{"engine", "analytic"}}}};
      return run(config, testing::scratch_dir("shipped"));
    };
    INFO(c.trace);
    const json oracle = summary({{"name", "oracle"}});
    const json cloud = summary({{"name", "all-in-cloud"}});
    const auto trace = testing::read_json(source_path("traces/" + c.trace + ".json"));
    CHECK(cloud["requests"] == c.samples);  // every sample once
    CHECK(cloud["exit_fraction_by_exit"].back() == 1.0);
    CHECK(cloud["accuracy"].get<double>() == Approx(trace["exit_accuracy"].back().get<double>()).margin(1e-6));
    for (const json& policy : {json{{"name", "all-on-mobile"}}, json{{"name", "all-on-edge"}},
                               json{{"name", c.threshold_policy}, {"params", {{"thresholds", 0.5}}}},
                               json{{"name", "patience"}, {"params", {{"patience", 1}}}},
                               json{{"name", "random"}, {"params", {{"rate", 0.5}}}}, json{{"name", "all-in-cloud"}}}) {
      INFO(policy.dump());
      CHECK(oracle["accuracy"].get<double>() >= summary(policy)["accuracy"].get<double>());
    }
    // Costs only grow with depth: the oracle spends no more compute than answering at the final exit.
    CHECK(oracle["energy_j_per_inference"]["mobile_compute"].get<double>() +
              oracle["energy_j_per_inference"]["edge"].get<double>() +
              oracle["energy_j_per_inference"]["cloud"].get<double>() <=
          cloud["energy_j_per_inference"]["mobile_compute"].get<double>() +
              cloud["energy_j_per_inference"]["edge"].get<double>() +
              cloud["energy_j_per_inference"]["cloud"].get<double>());
    const json never = summary(c.never_early);
    CHECK(never["accuracy"] == cloud["accuracy"]);
    CHECK(never["exit_fraction_by_exit"] == cloud["exit_fraction_by_exit"]);
  }
}

// Calibration on the tiny trace, entropy thresholds 0, 0.1, ..., 1.2, no drop allowed from the
// final exit's 0.75. By hand: s0 and s2 are right at exit 0 (H 0.394, 0.802), s1 only from
// exit 1 (H 1.030 at exit 0, 0.898 at exit 1), s3 never. T = 0.9 and 1.0 exit s0 and s2 at 0 and
// s1 at 1: 0.75 at the lowest energy; T = 1.1 exits s1 at exit 0, wrong (0.5). First best: 0.9.
TEST_CASE("calibrate picks the cheapest threshold that meets the accuracy target", "[calibrate]") {
  auto dir = testing::scratch_dir("calibrate_tiny");
  auto path = testing::write_config(dir, hand_config("analytic"));
  auto r = testing::run_cli("calibrate " + path + " -o " + dir + "/cal --from 0 --to 1.2 --steps 13 --max-drop 0 " +
                            "--calibration-split all --evaluation-split all");
  INFO(r.err);
  REQUIRE(r.status == 0);
  json c = testing::read_json(dir + "/cal/calibration.json");
  CHECK(c["value"].get<double>() == Approx(0.9));
  CHECK(c["final_exit_accuracy_calibration"] == 0.75);
  CHECK(c["calibration"]["accuracy"] == 0.75);
  CHECK(c["evaluated_on_tuned_samples"] == true);
  // The target in samples: no drop of 4 samples is 0 samples, which it says.
  CHECK(c["calibration_samples"] == 4);
  CHECK(c["allowed_drop_samples"] == 0);
  CHECK(r.err == "tiersim: warning: the calibration split has 4 samples: a drop of 0 is less than one sample, so the "
                 "target is the final exit's accuracy itself\n");
  CHECK_THAT(r.out, Catch::Matchers::Contains("allowed drop 0 = 0 of 4 samples"));
  CHECK(c["candidates"].size() == 13);
  CHECK(c["candidates"][11]["accuracy"] == 0.5);  // T = 1.1
  json calibrated = testing::read_json(dir + "/cal/calibrated.json");
  CHECK(calibrated["policy"]["params"]["thresholds"].get<double>() == Approx(0.9));
  // The calibrated config runs as it is.
  auto run_result = testing::run_cli("run " + dir + "/cal/calibrated.json -o " + dir + "/out");
  CHECK(run_result.status == 0);
  // Thresholds of 0 never exit early: every request runs to the cloud, slower than sending the
  // input there at once (1.301 s against 0.1321 s): calibrate says so.
  auto slow = testing::run_cli("calibrate " + path + " -o " + dir + "/cal0 --from 0 --to 0 --steps 1 --max-drop 0 " +
                               "--calibration-split all --evaluation-split all --objective latency");
  REQUIRE(slow.status == 0);
  CHECK_THAT(slow.err, Catch::Matchers::Contains(
                           "tiersim: warning: thresholds = 0.0 answers no request on the device and its latency (1.301) "
                           "is above all-in-cloud's (0.1321) on the calibration split: at this accuracy target early "
                           "exits do not pay\n"));
  // Without a split column, the default calibration split does not exist: refused.
  auto refused = testing::run_cli("calibrate " + path + " -o " + dir + "/cal2");
  CHECK(refused.status == 2);
  CHECK_THAT(refused.err, Catch::Matchers::Contains("no sample has split \"calibration\""));
}

TEST_CASE("calibrate on a split trace tunes on one part and evaluates on the other", "[calibrate]") {
  auto dir = testing::scratch_dir("calibrate_bert");
  auto split = testing::run_cli("trace split " + source_path("traces/sst2_bert12.csv") + " -o " + dir +
                                "/bert.csv --calibration 0.5 --seed 3");
  REQUIRE(split.status == 0);
  json config = testing::read_json(source_path("experiments/quickstart.json"));
  config["trace"] = dir + "/bert.csv";
  config["profile"] = source_path("traces/sst2_bert12.profile.json");
  config["platform"] = source_path("platforms/wifi_edge_cloud.xml");
  auto path = testing::write_config(dir, config);
  auto r = testing::run_cli("calibrate " + path + " -o " + dir + "/cal --steps 41");
  INFO(r.err);
  REQUIRE(r.status == 0);
  json c = testing::read_json(dir + "/cal/calibration.json");
  const double target = c["final_exit_accuracy_calibration"].get<double>() - 0.005;
  // 0.005 of the calibration half is floor(0.005 n) samples; the final exit's Wilson interval on
  // so few samples is wider than that, and calibrate warns.
  const int n = c["calibration_samples"];
  CHECK(c["allowed_drop_samples"] == static_cast<int>(std::floor(0.005 * n)));
  REQUIRE(c["warnings"].size() == 1);
  CHECK_THAT(r.err, Catch::Matchers::Contains(fmt::format("the calibration split has {} samples: the final exit's accuracy there is", n)));
  CHECK_THAT(r.err, Catch::Matchers::Contains("the held-out accuracy may miss the target by chance"));
  CHECK(c["calibration"]["accuracy"].get<double>() >= target);
  CHECK(c["evaluated_on_tuned_samples"] == false);
  CHECK(c["evaluation"]["requests"].get<int>() + c["calibration"]["requests"].get<int>() == 872);
  const double chosen = c["calibration"]["energy_j_per_inference"]["total"];
  for (const auto& candidate : c["candidates"])  // nothing cheaper meets the target
    if (candidate["energy"].get<double>() < chosen) CHECK(candidate["accuracy"].get<double>() < target);
  CHECK(testing::read_json(dir + "/cal/calibrated.json")["workload"]["split"] == "test");
}

// Costs in DIMEC-DC's units with lambda = 1 / 2 / 3 per layer on mobile / edge / cloud and
// o = 5 per offload, the pools of test_policies.cpp: s0 device (1 layer) = 1; s1 device + offload
// + 1 edge layer = 1 + 5 + 2 = 8; s2 device = 1; s3 device + offload + 2 cloud layers = 12.
TEST_CASE("costs in abstract units (lambda per layer, o per offload) are reported", "[engine][cost]") {
  auto dir = testing::scratch_dir("cost_units");
  testing::write_file(dir + "/dyn.csv",
                      "sample,epoch,gold_prob\n0,0,0.9\n0,1,0.95\n1,0,0.2\n1,1,0.6\n2,0,0.5\n2,1,0.7\n3,0,0.1\n3,1,0.1\n");
  for (const std::string engine : {"analytic", "simgrid"}) {
    json config = hand_config(engine);
    config["policy"] = {{"name", "dimec_dc"},
                        {"params", {{"dynamics", dir + "/dyn.csv"},
                                    {"pools", {{"easy_min_confidence", 0.55}, {"hard_max_confidence", 0.3}}}}}};
    config["cost"] = {{"lambda", {{"mobile", 1}, {"edge", 2}, {"cloud", 3}}}, {"offload", 5}};
    json s = run(config, testing::scratch_dir("cost_units_" + engine));
    INFO(engine);
    CHECK(s["cost_units_per_inference"].get<double>() == Approx((1 + 8 + 1 + 12) / 4.0));
    CHECK(s["policy_info"]["pools"]["medium"]["training_samples"] == 1);
  }
  CHECK_FALSE(run(hand_config("analytic"), testing::scratch_dir("cost_units_none")).contains("cost_units_per_inference"));
}

// Transfers that end at the same instant reach the next step in the order they started (FIFO):
// with network/optim:Full, SimGrid 3.32 finishes flows by walking them in start order (its lazy
// default extracts them from a heap, whose order among equal dates is its own). Two phones send their 2000 B input over their own 1 MB/s, 10 ms radio
// at t = 0: both arrive at 0.012 s; the edge has 1 worker and runs stages 0-1 in
// 3e9 / 10e9 = 0.3 s; replies of 64 B take 0.010064 s. Device 0 started first: served first,
// 0.012 + 0.3 + 0.010064 = 0.322064 s; device 1 waits 0.3 s more: 0.622064 s.
TEST_CASE("simultaneous transfer completions are served in the order the transfers started", "[engine][queue]") {
  auto dir = testing::scratch_dir("simultaneous");
  testing::write_file(dir + "/arrivals.csv", "device,time_s\n0,0\n1,0\n");
  json config = hand_config("simgrid");
  config["policy"] = {{"name", "all-on-edge"}};
  config["workload"]["devices"] = 2;
  config["workload"]["requests"] = 2;
  config["workload"]["arrival"] = {{"process", "trace"}, {"file", dir + "/arrivals.csv"}};
  config["servers"]["edge"]["workers"] = 1;
  run(config, dir);
  auto rows = testing::read_csv(dir + "/out/runs/hand-simgrid/requests.csv");
  REQUIRE(rows.size() == 3);
  std::map<std::string, double> latency_by_device;
  for (std::size_t i = 1; i < rows.size(); ++i) latency_by_device[rows[i][1]] = std::stod(rows[i][5]);
  CHECK(latency_by_device["0"] == Approx(0.322064).epsilon(1e-9));
  CHECK(latency_by_device["1"] == Approx(0.622064).epsilon(1e-9));
}

// The SimGrid engine runs a device's transfers on an idle host of its class borrowed for as long as
// the device has transfers in flight (engines/link_pool.hpp): the same times as on its own host.
// TIERSIM_NO_LINK_POOL=1 turns that off; the request logs must be byte-identical. 300 phones at
// 1 request/s each with cloud offloads and replies: several devices in flight at once, hosts reused.
TEST_CASE("borrowed device hosts give byte-identical results to each device's own", "[engines][simgrid]") {
  auto dir = testing::scratch_dir("link_pool");
  for (const std::string model : {"CM02", "wifi_edge_cloud_ns3"}) {
    json config = testing::read_json(source_path("experiments/quickstart.json"));
    config["trace"] = source_path("traces/sst2_bert12.csv");
    config["profile"] = source_path("traces/sst2_bert12.profile.json");
    config["platform"] = source_path("platforms/wifi_edge_cloud.xml");
    config["policy"] = {{"name", "entropy"}, {"params", {{"thresholds", 0.25}}}};
    config["workload"]["devices"] = 300;
    config["workload"]["requests"] = 3000;
    config["workload"]["arrival"] = {{"process", "poisson"}, {"rate_hz", 1.0}};
    config["simulation"]["network_model"] = model;
    const std::string path = testing::write_config(dir, config);
    std::map<std::string, std::string> logs;
    for (const bool pooled : {true, false}) {
      if (!pooled) ::setenv("TIERSIM_NO_LINK_POOL", "1", 1);
      const std::string out = dir + "/out_" + model + (pooled ? "_pooled" : "_own");
      auto r = testing::run_cli("run " + path + " -o " + out + " --requests");
      ::unsetenv("TIERSIM_NO_LINK_POOL");
      INFO(r.err);
      REQUIRE(r.status == 0);
      std::ifstream in(out + "/runs/" + config["name"].get<std::string>() + "/requests.csv");
      logs[pooled ? "pooled" : "own"] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    INFO(model);
    CHECK(logs["pooled"].size() > 100000);
    CHECK(logs["pooled"] == logs["own"]);
  }
}
