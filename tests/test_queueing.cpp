// The SimGrid engine against queueing theory: one device sends Poisson requests to one edge
// worker over links that take no time (tests/data/queue_platform.xml), so the latency of a
// request is its time in an M/G/1 system. Service: 1e7 MACs at 1 GMAC/s, mean 10 ms
// (mu = 100/s); arrivals lambda = 70/s, so rho = 0.7.
#include <catch2/catch.hpp>

#include <cmath>

#include "helpers.hpp"

using nlohmann::json;
using testing::source_path;

namespace {

constexpr double kMu = 100.0, kLambda = 70.0, kRho = kLambda / kMu;

// The summary's latency_s: mean, p50 ... and percentiles (0 .. 100 in steps of 1).
json simulated_time_in_system(const std::string& service, long long requests) {
  json config = {{"name", "queue-" + service},
                 {"trace", source_path("tests/data/queue.csv")},
                 {"profile", source_path("tests/data/queue.profile.json")},
                 {"platform", source_path("tests/data/queue_platform.xml")},
                 {"policy", {{"name", "all-on-edge"}}},
                 {"workload",
                  {{"devices", 1},
                   {"requests", requests},
                   {"arrival", {{"process", "poisson"}, {"rate_hz", kLambda}}},
                   {"result_bytes", 0},
                   {"service_time", service}}},
                 {"servers", {{"edge", {{"workers", 1}}}}},
                 {"simulation", {{"engine", "simgrid"}, {"seed", 42}}}};
  auto dir = testing::scratch_dir("queue_" + service);
  auto path = testing::write_config(dir, config);
  auto r = testing::run_cli("run " + path + " -o " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  json s = testing::read_json(dir + "/out/runs/queue-" + service + "/summary.json");
  REQUIRE(s["requests"] == requests);
  return s["latency_s"];
}

}  // namespace

TEST_CASE("exponential service at one worker matches M/M/1 mean time in system", "[queueing]") {
  const double theory = 1.0 / (kMu - kLambda);  // 33.3 ms
  const json latency = simulated_time_in_system("exponential", 500000);
  const double simulated = latency["mean"].get<double>();
  INFO("simulated " << simulated << " s, M/M/1 " << theory << " s");
  CHECK(std::abs(simulated - theory) / theory < 0.03);
  // The whole distribution: time in an M/M/1 system is exponential with rate mu - lambda, so
  // its p-th percentile is -ln(1 - p) / (mu - lambda).
  REQUIRE(latency["percentiles"].size() == 101);
  for (int p : {10, 50, 90, 99}) {
    const double expected = -std::log(1.0 - p / 100.0) / (kMu - kLambda);
    const double got = latency["percentiles"][p].get<double>();
    INFO("percentile " << p << ": simulated " << got << " s, M/M/1 " << expected << " s");
    CHECK(std::abs(got - expected) / expected < 0.05);
  }
}

TEST_CASE("deterministic service at one worker matches M/D/1 (Pollaczek-Khinchine)", "[queueing]") {
  const double theory = 1.0 / kMu + kRho / (2.0 * kMu * (1.0 - kRho));  // 21.7 ms
  const double simulated = simulated_time_in_system("deterministic", 500000)["mean"].get<double>();
  INFO("simulated " << simulated << " s, M/D/1 " << theory << " s");
  CHECK(std::abs(simulated - theory) / theory < 0.03);
}
