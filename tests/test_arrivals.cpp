// Arrival processes (sim/arrivals/): closed forms of the bursty on/off process, exact replay of
// timestamp files in both engines, and one-line errors for bad timestamp files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "model/arrivals/arrival.hpp"
#include "helpers.hpp"

#include <fmt/format.h>

using nlohmann::json;
using testing::source_path;
using Catch::Matchers::Contains;

namespace {

// The first n arrivals of device 0 of the process `arrival` (one device).
std::vector<double> arrivals_of(const json& arrival, long long n) {
  auto process = tiersim::make_arrival_process(tiersim::JsonReader(arrival, "test.json", "/workload/arrival"),
                                               {1, n, 7, "."});
  std::vector<double> times;
  double previous = 0;
  for (long long k = 0; k < n; ++k) times.push_back(previous = process->arrival(0, k, previous));
  return times;
}

struct GapStats {
  double rate, scv;  // arrivals per second; squared coefficient of variation of the gaps
};

GapStats gap_stats(const std::vector<double>& t) {
  double sum = 0, sum2 = 0;
  for (std::size_t i = 1; i < t.size(); ++i) {
    const double gap = t[i] - t[i - 1];
    sum += gap;
    sum2 += gap * gap;
  }
  const double n = static_cast<double>(t.size() - 1), mean = sum / n;
  return {static_cast<double>(t.size()) / t.back(), (sum2 / n - mean * mean) / (mean * mean)};
}

// The hand-sized scenario of test_engines.cpp (two phones, tests/data/tiny_*) with `arrival`.
json tiny_config(const std::string& engine, int devices, long long requests, const json& arrival) {
  return {{"name", "replay"},
          {"trace", source_path("tests/data/tiny.csv")},
          {"profile", source_path("tests/data/tiny.profile.json")},
          {"platform", source_path("tests/data/tiny_platform.xml")},
          {"policy", {{"name", "entropy"}, {"params", {{"thresholds", {0.5, 1.0, 0.0}}}}}},
          {"workload", {{"devices", devices}, {"requests", requests}, {"arrival", arrival}}},
          {"simulation", {{"engine", engine}}}};
}

}  // namespace

// Interrupted Poisson process: rate 10/s while on, on and off states of mean 1 s. Closed forms
// (Fischer & Meier-Hellstern 1993): mean rate 10 x 1 / (1 + 1) = 5/s; squared coefficient of
// variation of the gaps 1 + 2 x 10 x 1 / (1 + 1)^2 = 6 (Poisson: 1).
TEST_CASE("on/off arrivals have the MMPP mean rate and burstiness over 10^5 requests", "[arrivals]") {
  const auto onoff = gap_stats(arrivals_of({{"process", "onoff"}, {"rate_on_hz", 10}, {"mean_on_s", 1}, {"mean_off_s", 1}}, 100000));
  INFO("rate " << onoff.rate << "/s, gap SCV " << onoff.scv);
  CHECK(std::abs(onoff.rate - 5.0) / 5.0 < 0.03);
  CHECK(std::abs(onoff.scv - 6.0) / 6.0 < 0.03);
  // With both states at the same rate it is a Poisson process: SCV 1.
  const auto flat = gap_stats(arrivals_of(
      {{"process", "onoff"}, {"rate_on_hz", 4}, {"rate_off_hz", 4}, {"mean_on_s", 1}, {"mean_off_s", 3}}, 100000));
  CHECK(std::abs(flat.rate - 4.0) / 4.0 < 0.03);
  CHECK(std::abs(flat.scv - 1.0) < 0.03);
  const auto poisson = gap_stats(arrivals_of({{"process", "poisson"}, {"rate_hz", 5}}, 100000));
  CHECK(std::abs(poisson.scv - 1.0) < 0.03);
}

// Two devices, seven requests, times with no short decimal form; replayed in both engines,
// requests.csv must carry each file time exactly (ids follow the file's rows).
TEST_CASE("batch Poisson arrivals: batch sizes and gaps of a compound Poisson process over 10^5 requests", "[arrivals]") {
  // rate 5 batches/s of Poisson(5): non-empty batches come at 5 (1 - e^-5) = 4.9663/s and hold
  // 5 / (1 - e^-5) = 5.0339 requests on average; 25 requests/s in all.
  const auto t = arrivals_of({{"process", "batch_poisson"}, {"rate_hz", 5.0}, {"batch_mean", 5.0}}, 100000);
  CHECK(std::is_sorted(t.begin(), t.end()));
  std::vector<std::size_t> sizes{1};
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (t[i] == t[i - 1]) ++sizes.back(); else sizes.push_back(1);
  }
  sizes.pop_back();  // the last batch may be cut short
  double mean_size = 0;
  for (auto n : sizes) mean_size += static_cast<double>(n);
  mean_size /= static_cast<double>(sizes.size());
  const double nonempty = 1 - std::exp(-5.0);
  CHECK(mean_size == Approx(5 / nonempty).epsilon(0.02));
  CHECK(static_cast<double>(sizes.size()) / t.back() == Approx(5 * nonempty).epsilon(0.02));
  CHECK(static_cast<double>(t.size()) / t.back() == Approx(25.0).epsilon(0.02));
}

TEST_CASE("replayed timestamps are reproduced exactly by both engines", "[arrivals][engine]") {
  const std::vector<std::pair<int, double>> rows = {{1, 0.1}, {0, 0.30000000000000004}, {1, 0.30000000000000004},
                                                    {0, 1.0 / 3.0}, {1, 2.718281828459045}, {1, 10.5}, {0, 1e3 / 7.0}};
  for (const std::string engine : {"analytic", "simgrid"}) {
    SECTION(engine) {
      const auto dir = testing::scratch_dir("replay_" + engine);
      std::string text = "device,time_s\n";
      for (const auto& [device, time] : rows) text += fmt::format("{},{}\n", device, time);
      testing::write_file(dir + "/arrivals.csv", text);
      const json config = tiny_config(engine, 2, 7, {{"process", "trace"}, {"file", "arrivals.csv"}});
      auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out --requests");
      INFO(r.err);
      REQUIRE(r.status == 0);
      auto log = testing::read_csv(dir + "/out/runs/replay/requests.csv");
      REQUIRE(log.size() == rows.size() + 1);
      for (std::size_t i = 1; i < log.size(); ++i) {
        const auto id = std::stoul(log[i][0]);
        INFO("request " << id);
        CHECK(std::stoi(log[i][1]) == rows.at(id).first);
        CHECK(std::stod(log[i][3]) == rows.at(id).second);
      }
    }
  }
}

TEST_CASE("a bad timestamp file is refused with its file and line", "[arrivals][bad_input]") {
  const auto dir = testing::scratch_dir("replay_bad");
  json config = tiny_config("simgrid", 2, 3, {{"process", "trace"}, {"file", "arrivals.csv"}});
  const auto path = testing::write_config(dir, config);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"device,time_s\n0,1\n1,0.5\n0,2\n", "arrivals.csv:3: time_s 0.5 is before the previous row's 1: expected rows sorted by time"},
      {"device,time_s\n0,1\n2,1.5\n0,2\n", "arrivals.csv:3: device 2: expected a device from 0 to 1 (workload.devices = 2)"},
      {"device,time_s\n0,-1\n1,0.5\n0,2\n", "arrivals.csv:2: time_s -1: expected a non-negative time in seconds"},
      {"device,time_s\n0,1\n", "/workload/arrival: " + dir + "/arrivals.csv has 1 requests: expected at least workload.requests = 3"},
  };
  for (const auto& [text, message] : cases) {
    testing::write_file(dir + "/arrivals.csv", text);
    auto r = testing::run_cli("validate " + path);
    INFO(text);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains(message));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  config["workload"]["arrival"] = {{"process", "burst"}};
  auto r = testing::run_cli("validate " + testing::write_config(dir, config));
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Contains("/workload/arrival/process: unknown arrival process \"burst\" (expected one of: batch_poisson, closed_loop, "
                             "onoff, periodic, poisson, trace)"));
}
