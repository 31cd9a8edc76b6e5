// Network models end to end: calibrated models (factors by route and size, read from
// <platform folder>/network/NAME.json) replayed by `tiersim network replay` against hand-computed
// times, the analytic engine agreeing with SimGrid under one, and their bad input.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <algorithm>
#include <filesystem>
#include <map>

#include "helpers.hpp"
#include "engines/link_pool.hpp"
#include "io/platform.hpp"
#include "network/network_model.hpp"
#include <simgrid/s4u/Engine.hpp>

using nlohmann::json;
using testing::source_path;

namespace {

// A copy of the shipped WiFi platform with a model file beside it; returns the platform's path.
std::string platform_with_model(const std::string& dir, const std::string& name, const json& model) {
  std::filesystem::copy_file(source_path("platforms/wifi_edge_cloud.xml"), dir + "/wifi.xml");
  std::filesystem::create_directories(dir + "/network");
  testing::write_file(dir + "/network/" + name + ".json", model.dump(2));
  return dir + "/wifi.xml";
}

// Replays the rows (transfer,source,destination,start_s,bytes) through `model`; returns the
// durations in row order.
std::vector<double> replay_rows(const std::string& dir, const std::string& platform, const std::string& model,
                                const std::string& rows_csv) {
  testing::write_file(dir + "/t.csv", "transfer,source,destination,start_s,bytes\n" + rows_csv);
  auto r = testing::run_cli(fmt::format("network replay {} {}/t.csv -o {}/o.csv --model {}", platform, dir, dir, model));
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::vector<double> out;
  auto rows = testing::read_csv(dir + "/o.csv");
  REQUIRE(rows.front().back() == "duration_s");
  for (std::size_t i = 1; i < rows.size(); ++i) out.push_back(std::stod(rows[i].back()));
  return out;
}

// Replays `n` transfers of `bytes` from `from` to `to` at time 0; returns their durations.
std::vector<double> replay(const std::string& dir, const std::string& platform, const std::string& model,
                           const std::string& from, const std::string& to, int n, double bytes) {
  std::string csv;
  for (int i = 0; i < n; ++i) csv += fmt::format("{},{},{},0,{}\n", i, fmt::format(fmt::runtime(from), i), to, bytes);
  return replay_rows(dir, platform, model, csv);
}

const json kWanModel = {
    {"summary", "test"},
    {"routes", {{{"through", "wan"}, {"latency_factor", json::array({json::array({0, 2.0}), json::array({100000, 10.0})})},
                 {"bandwidth_factor", 0.64}}}}};

}  // namespace

// wifi_edge_cloud.xml: edge-0 -> cloud-0 crosses ap-internet (125 MB/s, 1 ms) and wan (12.5 MB/s,
// 20 ms): 21 ms. TCP-gamma (4 MiB) / (2 x 21 ms) = 99.9 MB/s does not bind.
//   500 kB alone, latency x10, bandwidth x0.64: 0.21 + 5e5 / (0.64 x 12.5e6) = 0.2725 s
//   20 x 500 kB at once: the WAN's 0.64 x 12.5 MB/s shared by 20: 0.21 + 20 x 0.0625 = 1.46 s
//   50 kB alone (first step, latency x2): 0.042 + 5e4 / 8e6 = 0.04825 s
//   phone-0 -> edge-0 crosses no "wan" link: plain CM02, 0.0025 + 1e5 / 12.5e6 = 0.0105 s
TEST_CASE("a calibrated model's factors by route and size give the hand-computed transfer times", "[network]") {
  auto dir = testing::scratch_dir("network_factors");
  auto platform = platform_with_model(dir, "wan_test", kWanModel);
  CHECK(replay(dir, platform, "wan_test", "edge-0", "cloud-0", 1, 500000).at(0) == Approx(0.2725).epsilon(1e-12));
  for (double d : replay(dir, platform, "wan_test", "edge-0", "cloud-0", 20, 500000)) CHECK(d == Approx(1.46).epsilon(1e-12));
  CHECK(replay(dir, platform, "wan_test", "edge-0", "cloud-0", 1, 50000).at(0) == Approx(0.04825).epsilon(1e-12));
  CHECK(replay(dir, platform, "wan_test", "phone-{}", "edge-0", 1, 100000).at(0) == Approx(0.0105).epsilon(1e-12));
  // The same transfers with plain CM02: 0.021 + 0.04 s.
  CHECK(replay(dir, platform, "CM02", "edge-0", "cloud-0", 1, 500000).at(0) == Approx(0.061).epsilon(1e-12));
}

// A route's own TCP-gamma by size and a link's capacity factor (same platform):
//   500 kB edge-0 -> cloud-0, gamma 42 kB: 42e3 / (2 x 21 ms) = 1 MB/s bounds the flow, x0.5 (bandwidth
//   factor) = 0.5 MB/s, latency x2: 0.042 + 5e5 / 5e5 = 1.042 s
//   5 MB, gamma 420 kB: 10 MB/s, the WAN's 12.5 MB/s does not bind, x0.5: 0.042 + 5e6 / 5e6 = 1.042 s
//   5 x 500 kB at once: the WAN's share 12.5 / 5 MB/s is above the 1 MB/s window bound: 1.042 s each
//   5 phones x 100 kB to edge-0: no route entry (model gamma, factors 1), the backbone's 37.5 MB/s x0.5
//   shared by 5: 0.0025 + 1e5 / 3.75e6 = 0.0291667 s (plain CM02: 0.0025 + 1e5 / 7.5e6 = 0.0158333 s)
TEST_CASE("a route's TCP-gamma by size and a link's capacity factor give the hand-computed times", "[network]") {
  auto dir = testing::scratch_dir("network_gamma");
  const json model = {
      {"routes", {{{"through", "wan"}, {"latency_factor", 2}, {"bandwidth_factor", 0.5},
                   {"tcp_gamma_bytes", json::array({json::array({0, 42000}), json::array({1000000, 420000})})}}}},
      {"links", {{{"through", "phones_backbone"}, {"bandwidth_factor", 0.5}}}}};
  auto platform = platform_with_model(dir, "gamma_test", model);
  CHECK(replay(dir, platform, "gamma_test", "edge-0", "cloud-0", 1, 500000).at(0) == Approx(1.042).epsilon(1e-12));
  CHECK(replay(dir, platform, "gamma_test", "edge-0", "cloud-0", 1, 5000000).at(0) == Approx(1.042).epsilon(1e-12));
  for (double d : replay(dir, platform, "gamma_test", "edge-0", "cloud-0", 5, 500000)) CHECK(d == Approx(1.042).epsilon(1e-12));
  for (double d : replay(dir, platform, "gamma_test", "phone-{}", "edge-0", 5, 100000))
    CHECK(d == Approx(0.0291666666667).epsilon(1e-9));
  for (double d : replay(dir, platform, "CM02", "phone-{}", "edge-0", 5, 100000))
    CHECK(d == Approx(0.0158333333333).epsilon(1e-9));
}

// An entry for routes crossing several kinds of link comes first and takes them:
//   phone-0 -> cloud-0 (23 ms, narrowest 12.5 MB/s) crosses phones_* and wan: latency x3,
//   0.069 + 1e5 / 12.5e6 = 0.077 s; edge-0 -> cloud-0 crosses wan only: x2, 0.042 + 0.008 = 0.05 s;
//   phone-0 -> edge-0 crosses phones_* only: x4, 0.01 + 0.008 = 0.018 s
TEST_CASE("a route entry with several globs applies to routes crossing all of them", "[network]") {
  auto dir = testing::scratch_dir("network_globs");
  const json model = {{"routes", {{{"through", {"phones_*", "wan"}}, {"latency_factor", 3}},
                                  {{"through", "wan"}, {"latency_factor", 2}},
                                  {{"through", "phones_*"}, {"latency_factor", 4}}}}};
  auto platform = platform_with_model(dir, "globs", model);
  CHECK(replay(dir, platform, "globs", "phone-{}", "cloud-0", 1, 100000).at(0) == Approx(0.077).epsilon(1e-12));
  CHECK(replay(dir, platform, "globs", "edge-0", "cloud-0", 1, 100000).at(0) == Approx(0.05).epsilon(1e-12));
  CHECK(replay(dir, platform, "globs", "phone-{}", "edge-0", 1, 100000).at(0) == Approx(0.018).epsilon(1e-12));
}

// A backbone whose capacity falls with the transfers in flight, 37.5 MB/s / (1 + 0.1 x (n - 1)):
//   5 phones x 100 kB at 0 s: 37.5 / 1.4 = 26.79 MB/s shared by 5: 0.0025 + 5e5 / 26.786e6 = 0.0211667 s
//   the same at 10 s (the count back at 0, the capacity restored): the same times
//   one phone x 100 kB at 20 s: its own 12.5 MB/s link binds: 0.0025 + 0.008 = 0.0105 s
//   20 phones x 1 MB at 30 s: 37.5 / 2.9 MB/s shared by 20: 0.0025 + 2e7 x 2.9 / 37.5e6 = 1.5491667 s
//   40 phones x 1 MB at 40 s: the decay holds up to 20 in flight, then stays: 37.5 / 2.9 MB/s shared
//   by 40: 0.0025 + 4e7 x 2.9 / 37.5e6 = 3.0958333 s
TEST_CASE("a link's contention decay gives the hand-computed times, stops at its range and recovers", "[network]") {
  auto dir = testing::scratch_dir("network_contention");
  const json model = {{"routes", {{{"through", "wan"}, {"latency_factor", 1}}}},
                      {"links", {{{"through", "phones_backbone"}, {"contention_decay", 0.1}, {"contention_up_to", 20}}}}};
  auto platform = platform_with_model(dir, "decay", model);
  std::string csv;
  int id = 0;
  for (double t : {0.0, 10.0})
    for (int i = 0; i < 5; ++i) csv += fmt::format("{},phone-{},edge-0,{},100000\n", id++, i, t);
  csv += fmt::format("{},phone-0,edge-0,20,100000\n", id++);
  for (int i = 0; i < 20; ++i) csv += fmt::format("{},phone-{},edge-0,30,1000000\n", id++, i);
  for (int i = 0; i < 40; ++i) csv += fmt::format("{},phone-{},edge-0,40,1000000\n", id++, i);
  const auto d = replay_rows(dir, platform, "decay", csv);
  REQUIRE(d.size() == 71);
  for (std::size_t i = 0; i < 10; ++i) CHECK(d[i] == Approx(0.0211666666667).epsilon(1e-9));
  CHECK(d[10] == Approx(0.0105).epsilon(1e-9));
  for (std::size_t i = 11; i < 31; ++i) CHECK(d[i] == Approx(1.5491666666667).epsilon(1e-9));
  for (std::size_t i = 31; i < d.size(); ++i) CHECK(d[i] == Approx(3.0958333333333).epsilon(1e-9));
}

// A route's time jitter multiplies a transfer's whole time (latency x J, bandwidth / J), J drawn per
// transfer from its quantiles (linear between them) with transfer_draw(seed, transfer id, 0):
//   [[0, [1]], [100000, [2]]]: none below 100 kB (50 kB: 0.04825 s), x2 from it (500 kB: 2 x 0.2725 s)
//   [0.8, 1.0, 1.6] for every size: J = 0.8 + 0.4 u below the median, 1.0 + 1.2 (u - 0.5) above;
//   its mean (0.8 / 2 + 1.0 + 1.6 / 2) / 2 = 1.1, its median 1
TEST_CASE("a route's time jitter scales each transfer by its draw from the quantiles", "[network]") {
  auto dir = testing::scratch_dir("network_jitter");
  json model = kWanModel;
  model["routes"][0]["time_jitter"] = json::array({json::array({0, {1.0}}), json::array({100000, {2.0}})});
  auto platform = platform_with_model(dir, "steps", model);
  CHECK(replay(dir, platform, "steps", "edge-0", "cloud-0", 1, 50000).at(0) == Approx(0.04825).epsilon(1e-12));
  CHECK(replay(dir, platform, "steps", "edge-0", "cloud-0", 1, 500000).at(0) == Approx(0.545).epsilon(1e-12));

  model["routes"][0]["time_jitter"] = {0.8, 1.0, 1.6};
  testing::write_file(dir + "/network/spread.json", model.dump());
  std::string csv;
  const int n = 2000;
  for (int i = 0; i < n; ++i) csv += fmt::format("{},edge-0,cloud-0,{},500000\n", i, 10.0 * i);  // one at a time
  for (std::uint64_t seed : {1, 9}) {
    testing::write_file(dir + "/t.csv", "transfer,source,destination,start_s,bytes\n" + csv);
    auto r = testing::run_cli(fmt::format("network replay {} {}/t.csv -o {}/o.csv --model spread --seed {}", platform,
                                          dir, dir, seed));
    REQUIRE(r.status == 0);
    const auto rows = testing::read_csv(dir + "/o.csv");
    REQUIRE(rows.size() == n + 1);
    double sum = 0;
    int below_median = 0;
    for (int i = 0; i < n; ++i) {
      const double u = tiersim::transfer_draw(seed, static_cast<std::uint64_t>(i), 0);
      const double jitter = u < 0.5 ? 0.8 + 0.4 * u : 1.0 + 1.2 * (u - 0.5);
      const double j = std::stod(rows[static_cast<std::size_t>(i) + 1].back()) / 0.2725;
      CHECK(j == Approx(jitter).epsilon(1e-9));
      sum += j;
      below_median += j < 1.0;
    }
    CHECK(sum / n == Approx(1.1).epsilon(0.01));
    CHECK(below_median == Approx(n / 2).epsilon(0.05));
  }
}

// The quantile function itself: [0.8, 1.0, 1.6] at probabilities 0, 0.5, 1; no draw: its mean 1.1
// (what a policy's estimate uses); a step table picks by size; one value is a constant.
TEST_CASE("a time jitter's quantile function, its mean and its size steps", "[network]") {
  tiersim::SizeJitter j;
  j.steps = {{0.0, {0.8, 1.0, 1.6}}, {1000.0, {2.0}}};
  CHECK(j.at(10, 0.25) == Approx(0.9).epsilon(1e-12));
  CHECK(j.at(10, 0.75) == Approx(1.3).epsilon(1e-12));
  CHECK(j.at(10, 1.0) == Approx(1.6).epsilon(1e-12));
  CHECK(j.at(10, tiersim::kNoDraw) == Approx(1.1).epsilon(1e-12));
  CHECK(j.at(1000, 0.3) == 2.0);
  CHECK(j.at(5000, tiersim::kNoDraw) == 2.0);
}

TEST_CASE("analytic and SimGrid engines agree at vanishing load under a calibrated model", "[network][agreement]") {
  auto dir = testing::scratch_dir("network_agree");
  json model = kWanModel;
  // A window that binds (phone -> cloud: 23.5 ms, 20 kB / 47 ms = 0.43 MB/s) and one that does not.
  model["routes"][0]["tcp_gamma_bytes"] = json::array({json::array({0, 20000}), json::array({100000, 4000000})});
  model["links"] = {{{"through", "ap-edge"}, {"bandwidth_factor", 0.9}}};
  model["routes"].push_back({{"through", "phones_*"},
                             {"latency_factor", json::array({json::array({0, 3.0}), json::array({20000, 1.5})})},
                             {"bandwidth_factor", json::array({json::array({0, 0.5}), json::array({20000, 0.8})})},
                             {"time_jitter", json::array({json::array({0, {0.9, 1.0, 1.3}}), json::array({20000, {0.7, 1.4}})})}});
  auto platform = platform_with_model(dir, "both", model);
  for (const json& policy : {json{{"name", "all-in-cloud"}}, json{{"name", "entropy"}, {"params", {{"thresholds", 0.25}}}}}) {
    std::map<std::string, json> out;
    for (const std::string engine : {"analytic", "simgrid"}) {
      json config = {{"name", "agree-" + engine},
                     {"trace", source_path("traces/sst2_bert12.csv")},
                     {"profile", source_path("traces/sst2_bert12.profile.json")},
                     {"platform", platform},
                     {"policy", policy},
                     {"workload", {{"devices", 1}, {"requests", 300}, {"arrival", {{"process", "periodic"}, {"rate_hz", 0.01}}}}},
                     {"simulation", {{"engine", engine}, {"network_model", "both"}, {"seed", 7}}}};
      auto path = testing::write_config(dir, config);
      const std::string out_dir = dir + "/out_" + engine + "_" + policy["name"].get<std::string>();
      auto r = testing::run_cli("run " + path + " -o " + out_dir);
      INFO(r.err);
      REQUIRE(r.status == 0);
      out[engine] = testing::read_json(out_dir + "/runs/agree-" + engine + "/summary.json");
    }
    INFO(policy.dump());
    CHECK(out["simgrid"]["network_model"] == "both");
    const double a = out["analytic"]["latency_s"]["mean"], s = out["simgrid"]["latency_s"]["mean"];
    CHECK(std::abs(a - s) / s < 1e-6);
    for (const char* q : {"p50", "p95", "max"})  // the jitter drawn alike, request by request
      CHECK(std::abs(out["analytic"]["latency_s"][q].get<double>() / out["simgrid"]["latency_s"][q].get<double>() - 1) < 1e-6);
  }
}

// A calibrated model names the platform it was fitted on: used with another platform file of the
// same folder, the run goes on with one warning line.
TEST_CASE("a calibrated model used on a platform it was not fitted on is a warning", "[network]") {
  auto dir = testing::scratch_dir("network_other_platform");
  std::filesystem::create_directories(dir + "/network");
  std::filesystem::copy_file(source_path("platforms/network/wifi_edge_cloud_ns3.json"), dir + "/network/wifi_edge_cloud_ns3.json");
  for (const std::string name : {"wifi_edge_cloud.xml", "other.xml"}) {
    std::filesystem::copy_file(source_path("platforms/wifi_edge_cloud.xml"), dir + "/" + name);
    json config = testing::read_json(source_path("experiments/quickstart.json"));
    config["trace"] = source_path("traces/sst2_bert12.csv");
    config["profile"] = source_path("traces/sst2_bert12.profile.json");
    config["platform"] = dir + "/" + name;
    config["simulation"]["network_model"] = "wifi_edge_cloud_ns3";
    auto r = testing::run_cli("validate " + testing::write_config(dir, config));
    INFO(r.err);
    CHECK(r.status == 0);
    const std::string warning = fmt::format(
        "tiersim: warning: {}/network/wifi_edge_cloud_ns3.json: network model wifi_edge_cloud_ns3 was fitted on "
        "wifi_edge_cloud.xml, not on other.xml: its factors describe another platform's links\n", dir);
    CHECK((r.err.find(warning) != std::string::npos) == (name == "other.xml"));
  }
}

TEST_CASE("bad calibrated models and unknown model names are one line naming file and JSON path", "[network][bad_input]") {
  auto dir = testing::scratch_dir("network_bad");
  struct Bad {
    json routes;
    std::string message;
    json links = nullptr;  // the model's "links", if any
  };
  const std::vector<Bad> cases = {
      {{{{"through", "wan"}, {"latency_factor", 0}}}, "/routes/0/latency_factor: expected a factor > 0, got 0"},
      {{{{"through", "wan"}, {"bandwidth_factor", json::array({json::array({0, 1.0}), json::array({5000, -2})})}}},
       "/routes/0/bandwidth_factor/1/1: expected a factor > 0, got -2"},
      {{{{"through", "wan"}, {"latency_factor", json::array({json::array({0, 1.0}), json::array({5000, 2.0}), json::array({5000, 3.0})})}}},
       "/routes/0/latency_factor/2/0: expected a size above the previous step's 5000 bytes (steps increase in size), got 5000"},
      {{{{"through", "wan"}, {"latency_factor", json::array({json::array({10, 1.0})})}}},
       "/routes/0/latency_factor/0/0: expected 0 (the first step starts at 0 bytes), got 10"},
      {{{{"through", "wan"}, {"latncy_factor", 2}}}, "/routes/0/latncy_factor"},
      {{{{"through", "wan"}, {"tcp_gamma_bytes", 0}}}, "/routes/0/tcp_gamma_bytes: expected a window in bytes > 0, got 0"},
      {{{{"through", json::array()}}}, "/routes/0/through: expected a glob on link ids or a list of them, e.g. \"wan\" or [\"phones_*\", \"wan\"]"},
      {{{{"through", {"wan", 3}}}}, "/routes/0/through/1: expected a glob on link ids"},
      {{{{"through", "wan"}, {"time_jitter", {1.0, 0.9}}}},
       "/routes/0/time_jitter/1: expected a quantile >= the previous one, 1 (quantiles do not decrease), got 0.9"},
      {{{{"through", "wan"}, {"time_jitter", json::array({json::array({0, {0.0, 1.0}})})}}},
       "/routes/0/time_jitter/0/1/0: expected a quantile > 0, got 0.0"},
      {{{{"through", "wan"}, {"time_jitter", json::array({json::array({0, {1.0}}), json::array({0, {1.0}})})}}},
       "/routes/0/time_jitter/1/0: expected a size above the previous step's 0 bytes (steps increase in size), got 0"},
      {{{{"through", "wan"}, {"time_jitter", json::array()}}},
       "/routes/0/time_jitter: expected a list of quantiles or a list of [bytes, [quantiles]] steps, the first at 0 bytes"},
      {{{{"through", "wan"}}}, "/links/0/bandwidth_factor: expected a factor > 0, got -1",
       {{{"through", "wan"}, {"bandwidth_factor", -1}}}},
      {{{{"through", "wan"}}}, "/links/0/contention_decay: expected a decay >= 0, got -0.5",
       {{{"through", "wan"}, {"contention_decay", -0.5}}}},
      {{{{"through", "wan"}}}, "/links/0: expected \"contention_up_to\" with \"contention_decay\"",
       {{{"through", "wan"}, {"contention_decay", 0.1}}}},
      {{{{"through", "wan"}}}, "/links/0/through: expected a glob matching a link of the platform, got \"wifi_*\"",
       {{{"through", "wifi_*"}, {"bandwidth_factor", 2}}}},
  };
  auto platform = platform_with_model(dir, "bad", {{"routes", json::array()}});
  for (const auto& c : cases) {
    json bad = {{"routes", c.routes}};
    if (!c.links.is_null()) bad["links"] = c.links;
    testing::write_file(dir + "/network/bad.json", bad.dump());
    auto r = testing::run_cli(fmt::format("network route {} edge-0 cloud-0", platform));
    REQUIRE(r.status == 0);  // a model is read only where it is used
    testing::write_file(dir + "/none.csv", "transfer,source,destination,start_s,bytes\n0,edge-0,cloud-0,0,100\n");
    r = testing::run_cli(fmt::format("network replay {} {}/none.csv -o {}/o.csv --model bad", platform, dir, dir));
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(dir + "/network/bad.json: " + c.message) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  // An unknown name in a config: the JSON path, the built-in names and the folder searched.
  json config = testing::read_json(source_path("experiments/quickstart.json"));
  config["trace"] = source_path("traces/sst2_bert12.csv");
  config["profile"] = source_path("traces/sst2_bert12.profile.json");
  config["platform"] = platform;
  config["simulation"]["network_model"] = "wifi_ac_390";
  testing::write_file(dir + "/network/bad.json", kWanModel.dump());
  auto path = testing::write_config(dir, config);
  auto r = testing::run_cli("validate " + path);
  CHECK(r.status == 2);
  CHECK(r.err == fmt::format("tiersim: error: {}: /simulation/network_model: unknown network model \"wifi_ac_390\" "
                             "(expected one of: CM02, LV08, bad; calibrated models are <platform's folder>/network/NAME.json, "
                             "here {}/network)\n", path, dir));
}

// Classes of interchangeable device hosts: a0 and a1 have alike own links (10 MB/s, 1 ms) and share
// bb; b0's own link is faster: two classes. A device borrows the top idle host of its class (the
// first devices' on top), keeps it while it has transfers in flight, and gives it back after.
TEST_CASE("device hosts fall into classes of alike links and are lent last-returned first", "[network][engines]") {
  auto dir = testing::scratch_dir("link_pool_unit");
  testing::write_file(dir + "/p.xml", R"(<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1"><zone id="w" routing="Full">
  <host id="a0" speed="1Gf"/><host id="a1" speed="1Gf"/><host id="b0" speed="1Gf"/><host id="s" speed="1Gf"/>
  <link id="la0" bandwidth="10MBps" latency="1ms"/><link id="la1" bandwidth="10MBps" latency="1ms"/>
  <link id="lb0" bandwidth="20MBps" latency="1ms"/><link id="bb" bandwidth="100MBps" latency="1ms"/>
  <route src="a0" dst="s"><link_ctn id="la0"/><link_ctn id="bb"/></route>
  <route src="a1" dst="s"><link_ctn id="la1"/><link_ctn id="bb"/></route>
  <route src="b0" dst="s"><link_ctn id="lb0"/><link_ctn id="bb"/></route>
</zone></platform>)");
  tiersim::SimgridSession session(*tiersim::NetworkModels::lookup("CM02"));
  session.engine().load_platform(dir + "/p.xml");
  auto* a0 = session.engine().host_by_name("a0");
  auto* a1 = session.engine().host_by_name("a1");
  auto* b0 = session.engine().host_by_name("b0");
  tiersim::LinkPool pool({a0, a1, b0}, {session.engine().host_by_name("s")}, session.network());
  CHECK(pool.classes() == 2);
  CHECK(pool.acquire(1) == a0);  // device 1 borrows its class's top idle host
  CHECK(pool.acquire(0) == a1);
  CHECK(pool.acquire(0) == a1);  // a second transfer in flight: the same host
  CHECK(pool.acquire(2) == b0);
  pool.release(1);
  pool.release(0);  // one of device 0's two transfers: it keeps a1
  CHECK(pool.acquire(1) == a0);
  pool.release(0);
  pool.release(1);
  CHECK(pool.acquire(0) == a0);  // the last returned on top
}
