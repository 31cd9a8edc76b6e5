// The SimGrid engine against queueing theory: one device sends Poisson requests to one edge
// worker over links that take no time (tests/data/queue_platform.xml), so the latency of a
// request is its time in an M/G/1 system. Service: 1e7 MACs at 1 GMAC/s, mean 10 ms
// (mu = 100/s); arrivals lambda = 70/s, so rho = 0.7.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cmath>

#include "helpers.hpp"

using nlohmann::json;
using testing::source_path;

namespace {

constexpr double kMu = 100.0, kLambda = 70.0, kRho = kLambda / kMu;

// One device, one edge worker, links that take no time: the run's summary.json.
json run_queue(const std::string& name, long long requests, const json& arrival, const std::string& service) {
  json config = {{"name", name},
                 {"trace", source_path("tests/data/queue.csv")},
                 {"profile", source_path("tests/data/queue.profile.json")},
                 {"platform", source_path("tests/data/queue_platform.xml")},
                 {"policy", {{"name", "all-on-edge"}}},
                 {"workload",
                  {{"devices", 1},
                   {"requests", requests},
                   {"arrival", arrival},
                   {"result_bytes", 0},
                   {"service_time", service}}},
                 {"servers", {{"edge", {{"workers", 1}}}}},
                 {"simulation", {{"engine", "simgrid"}, {"seed", 42}}}};
  auto dir = testing::scratch_dir(name);
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  json s = testing::read_json(dir + "/out/runs/" + name + "/summary.json");
  REQUIRE(s["requests"] == requests);
  return s;
}

// Poisson arrivals at kLambda: the summary's latency_s (mean, p50 ... and percentiles 0 .. 100).
json simulated_time_in_system(const std::string& service, long long requests) {
  return run_queue("queue-" + service, requests, {{"process", "poisson"}, {"rate_hz", kLambda}}, service)["latency_s"];
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

// Ten times more arrivals than the worker serves: periodic arrivals every 1 ms, deterministic
// 10 ms service, 100 000 requests. Request k (from 0) leaves after (k + 1) x 10 ms and arrived
// at k x 1 ms, so its latency is 0.01 + 0.009 k: max 900.001 s, mean 450.0055 s. Requests wait
// in the server's queue as data, not as actors: the run stays far below the 6 GB that one
// waiting actor stack per queued request took (ru_maxrss of the child process).
TEST_CASE("an overloaded server queues 100 000 requests in bounded memory with exact D/D/1 latencies",
          "[queueing][overload]") {
  json s = run_queue("overload", 100000, {{"process", "periodic"}, {"rate_hz", 1000}}, "deterministic");
  struct rusage usage {};
  getrusage(RUSAGE_CHILDREN, &usage);
  const double peak_mib = usage.ru_maxrss / 1024.0;  // kilobytes on Linux
  CHECK(s["latency_s"]["max"].get<double>() == Approx(900.001).epsilon(1e-9));
  CHECK(s["latency_s"]["mean"].get<double>() == Approx(450.0055).epsilon(1e-9));
  INFO("peak memory of the run: " << peak_mib << " MiB");
  CHECK(peak_mib < 1024);
}
