// The serving layer against queueing theory and hand-worked cases: one phone sends requests to
// the two 4-core edge servers of tests/data/serving_platform.xml over links that take no time,
// so a request's latency is its time in the servers' queues and service. Service: one stage of
// MACs on a 1 GMAC/s host (tests/data/queue.profile.json: 1e7 MACs, 10 ms; the hand cases
// scale it through a profile of their own).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <algorithm>

#include "helpers.hpp"

using nlohmann::json;
using testing::source_path;

namespace {

struct Served {
  json summary;
  std::vector<std::vector<std::string>> requests;  // requests.csv, header first
  // Column `name` of request `id` (rows come in the order requests finish).
  std::string column(std::size_t id, const std::string& name) const {
    const auto& header = requests.front();
    const auto at = static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    for (std::size_t row = 1; row < requests.size(); ++row)
      if (requests[row].at(0) == std::to_string(id)) return requests[row].at(at);
    FAIL("no request " << id << " in requests.csv");
    return "";
  }
};

// Writes a one-stage profile of `macs` (optionally with a batched-latency table).
std::string one_stage_profile(const std::string& dir, double macs, const json& batch_latency = nullptr) {
  json stage = {{"name", "all"}, {"macs", macs}, {"bits", 32}, {"exit", 0}, {"output_bytes", 0}};
  if (!batch_latency.is_null()) stage["batch_latency_s"] = batch_latency;
  json profile = {{"name", "one-stage"}, {"input_bytes", 0}, {"stages", {stage}}, {"tiers", {{"edge", {{"stages", {0, 0}}}}}}};
  return testing::write_file(dir + "/profile.json", profile.dump());
}

// Arrival times replayed from a file (one device).
json replay(const std::string& dir, const std::vector<double>& times) {
  std::string csv = "device,time_s\n";
  for (double t : times) csv += fmt::format("0,{}\n", t);
  return {{"process", "trace"}, {"file", testing::write_file(dir + "/arrivals.csv", csv)}};
}

Served serve(const std::string& name, long long requests, const json& arrival, const json& servers,
             const std::string& engine = "simgrid", const json& workload_extra = json::object(),
             const std::string& profile = "", const std::string& service = "deterministic") {
  const std::string dir = testing::scratch_dir(name);
  json workload = {{"devices", 1}, {"requests", requests}, {"arrival", arrival}, {"result_bytes", 0},
                   {"service_time", service}};
  workload.update(workload_extra);
  json config = {{"name", name},
                 {"trace", source_path("tests/data/queue.csv")},
                 {"profile", profile.empty() ? source_path("tests/data/queue.profile.json") : profile},
                 {"platform", source_path("tests/data/serving_platform.xml")},
                 {"policy", {{"name", "all-on-edge"}}},
                 {"workload", workload},
                 {"servers", servers},
                 {"simulation", {{"engine", engine}, {"seed", 7}}},
                 {"outputs", {{"requests_csv", requests <= 1000}}}};
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  Served s;
  s.summary = testing::read_json(dir + "/out/runs/" + name + "/summary.json");
  if (requests <= 1000) s.requests = testing::read_csv(dir + "/out/runs/" + name + "/requests.csv");
  return s;
}

// Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = lambda / mu.
double erlang_c(int c, double a) {
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const double last = term * a / c;  // a^c / c!
  const double rho = a / c;
  return last / (1 - rho) / (sum + last / (1 - rho));
}

// Only edge-a serves (a glob pins edge-b to... nothing: the static rule picks edge-a, the first).
json one_server(int workers, long long capacity = -1) {
  json edge = {{"workers", workers}};
  if (capacity >= 0) edge["queue_capacity"] = capacity;
  return {{"edge", edge}};
}

}  // namespace

TEST_CASE("c workers with Poisson arrivals and exponential service match Erlang C (M/M/3, rho = 0.8)",
          "[serving][queueing]") {
  constexpr int c = 3;
  constexpr double mu = 100, lambda = 240;
  const double theory = erlang_c(c, lambda / mu) / (c * mu - lambda) + 1 / mu;  // mean time in system
  const Served s = serve("mmc", 300000, {{"process", "poisson"}, {"rate_hz", lambda}}, one_server(c), "simgrid",
                         json::object(), "", "exponential");
  const double simulated = s.summary["latency_s"]["mean"].get<double>();
  INFO("simulated " << simulated << " s, Erlang C " << theory << " s");
  CHECK(std::abs(simulated - theory) / theory < 0.03);
  CHECK(s.summary["servers"]["edge-a"]["requests"] == 300000);
  CHECK(s.summary["servers"]["edge-b"]["requests"] == 0);
  CHECK(s.summary["servers"]["edge-a"]["utilisation"].get<double>() == Approx(lambda / (c * mu)).epsilon(0.02));
}

TEST_CASE("a finite queue drops arrivals as M/M/1/K says (K = 5, rho = 0.8)", "[serving][queueing]") {
  constexpr double mu = 100, lambda = 80, rho = lambda / mu;
  constexpr int K = 5;  // one in service + a queue of 4
  const double theory = (1 - rho) * std::pow(rho, K) / (1 - std::pow(rho, K + 1));
  const Served s = serve("mm1k", 200000, {{"process", "poisson"}, {"rate_hz", lambda}}, one_server(1, K - 1),
                         "simgrid", json::object(), "", "exponential");
  const double dropped = s.summary["dropped_fraction"].get<double>();
  INFO("dropped " << dropped << ", M/M/1/K " << theory);
  CHECK(std::abs(dropped - theory) / theory < 0.03);
  // No exit on the device: every dropped request is lost, and counted wrong.
  CHECK(s.summary["lost_fraction"].get<double>() == dropped);
  CHECK(s.summary["servers"]["edge-a"]["dropped"].get<double>() == Approx(dropped * 200000));
  CHECK(s.summary["servers"]["edge-a"]["max_queue_length"] == K - 1);
}

// Arrivals every 4 ms, 9 ms of service, two single-worker servers (hand-worked in the comments).
TEST_CASE("round_robin, least_loaded and power_of_two choose the servers worked out by hand", "[serving]") {
  const std::string dir = testing::scratch_dir("selection-hand-inputs");
  const std::string profile = one_stage_profile(dir, 9e6);
  const json arrival = replay(dir, {0, 0.004, 0.008, 0.012, 0.016, 0.020});
  auto run = [&](const std::string& rule) {
    return serve("hand-" + rule, 6, arrival, {{"edge", {{"workers", 1}}}, {"selection", {{"rule", rule}}}}, "simgrid",
                 json::object(), profile);
  };
  // round_robin: a b a b a b; waits 0 0 1 1 2 2 ms; latencies 9 9 10 10 11 11 ms.
  const Served rr = run("round_robin");
  const std::vector<std::string> rr_hosts{"edge-a", "edge-b", "edge-a", "edge-b", "edge-a", "edge-b"};
  const std::vector<double> rr_latency{0.009, 0.009, 0.010, 0.010, 0.011, 0.011};
  // least_loaded (queued + in service when sent, ties by name): at 0 a; at 4 a=1 b=0: b; at 8
  // a=1 b=1: a (waits for 9); at 12 a=1 (9-18) b=1 (4-13): a (waits for 18); at 16 a=2 b=0: b;
  // at 20 a=1 (18-27) b=1 (16-25): a (waits for 27). Latencies 9 9 10 15 9 16 ms.
  const Served ll = run("least_loaded");
  const std::vector<std::string> ll_hosts{"edge-a", "edge-b", "edge-a", "edge-a", "edge-b", "edge-a"};
  const std::vector<double> ll_latency{0.009, 0.009, 0.010, 0.015, 0.009, 0.016};
  for (std::size_t i = 0; i < 6; ++i) {
    INFO("request " << i);
    CHECK(rr.column(i, "edge_host") == rr_hosts[i]);
    CHECK(std::stod(rr.column(i, "latency_s")) == Approx(rr_latency[i]).epsilon(1e-9));
    CHECK(ll.column(i, "edge_host") == ll_hosts[i]);
    CHECK(std::stod(ll.column(i, "latency_s")) == Approx(ll_latency[i]).epsilon(1e-9));
  }
  CHECK(std::stod(ll.column(5, "queue_s")) == Approx(0.007).epsilon(1e-9));
  // Two servers: power of two always draws both, so it is least_loaded exactly.
  const Served p2 = run("power_of_two");
  for (std::size_t i = 0; i < 6; ++i) CHECK(p2.column(i, "edge_host") == ll_hosts[i]);
  // Per-server utilisation sums to the offered work: 6 x 9 ms over the run's 36 ms.
  const json& servers = ll.summary["servers"];
  const double T = ll.summary["simulated_time_s"].get<double>();
  CHECK(T == Approx(0.036).epsilon(1e-12));
  const double busy = servers["edge-a"]["utilisation"].get<double>() * T + servers["edge-b"]["utilisation"].get<double>() * T;
  CHECK(std::abs(busy - 6 * 0.009) < 1e-9);
  CHECK(servers["edge-a"]["requests"] == 4);
  CHECK(servers["edge-a"]["max_queue_length"] == 1);
}

TEST_CASE("least_loaded waits less than round_robin at rho = 0.9 on two servers", "[serving][queueing]") {
  auto mean_wait = [](const std::string& rule) {
    const Served s = serve("rho09-" + rule, 100000, {{"process", "poisson"}, {"rate_hz", 180}},
                           {{"edge", {{"workers", 1}}}, {"selection", {{"rule", rule}}}}, "simgrid", json::object(), "",
                           "exponential");
    return s.summary["latency_s"]["mean"].get<double>() - 0.01;
  };
  const double rr = mean_wait("round_robin"), ll = mean_wait("least_loaded"), random = mean_wait("random");
  INFO("mean wait: round_robin " << rr << " s, least_loaded " << ll << " s, random " << random << " s");
  CHECK(ll < rr);
  CHECK(rr < random);
  // Random splitting makes each server M/M/1 at rho = 0.9: wait rho / (mu - lambda) = 90 ms.
  CHECK(random == Approx(0.09).epsilon(0.1));
}

// One worker batching up to 3 for at most 5 ms; a batch of b takes t(b) / t(1) x 10 ms with
// t = 10, 15, 18 ms. Arrivals every 2 ms from 0 to 12 ms. At 0 and 2 the batch waits; at 4 it is
// full: [0 2 4] runs 4-22. 6, 8, 10, 12 queue; at 22 [6 8 10] runs 22-40; 12 waited past its
// 5 ms and runs alone 40-50.
TEST_CASE("a batching server forms the batches worked out by hand", "[serving]") {
  const std::string dir = testing::scratch_dir("batch-hand-inputs");
  const std::string profile = one_stage_profile(dir, 1e7, json::array({0.010, 0.015, 0.018}));
  const Served s = serve("batch-hand", 7, replay(dir, {0, 0.002, 0.004, 0.006, 0.008, 0.010, 0.012}),
                         {{"edge", {{"workers", 1}, {"max_batch", 3}, {"max_wait_s", 0.005}}}}, "simgrid",
                         json::object(), profile);
  const std::vector<double> finish{0.022, 0.022, 0.022, 0.040, 0.040, 0.040, 0.050};
  const std::vector<double> wait{0.004, 0.002, 0, 0.016, 0.014, 0.012, 0.028};
  for (std::size_t i = 0; i < 7; ++i) {
    INFO("request " << i);
    CHECK(std::stod(s.column(i, "finish_s")) == Approx(finish[i]).epsilon(1e-9));
    CHECK(std::stod(s.column(i, "queue_s")) == Approx(wait[i]).margin(1e-12));
  }
  const json& a = s.summary["servers"]["edge-a"];
  CHECK(a["mean_batch"].get<double>() == Approx(7.0 / 3));
  CHECK(a["max_queue_length"] == 4);
  CHECK(a["utilisation"].get<double>() == Approx(0.046 / 0.050).epsilon(1e-9));
  // A lone request waits the whole max_wait_s; the analytic engine adds it too.
  for (const std::string engine : {"simgrid", "analytic"}) {
    const Served lone = serve("batch-lone-" + engine, 1, replay(dir, {0}),
                              {{"edge", {{"workers", 1}, {"max_batch", 3}, {"max_wait_s", 0.005}}}}, engine,
                              json::object(), profile);
    CHECK(lone.summary["latency_s"]["mean"].get<double>() == Approx(0.015).epsilon(1e-12));
  }
}

// Arrivals every 1 ms, 10 ms of service, deadline 25.5 ms, expired requests dropped when a
// worker would take them: 0 runs 0-10, 1 10-20, 2 20-30; at 30, 3 and 4 are past their deadline
// (28.5, 29.5), 5 is not (30.5) and runs 30-40; at 40, 6 and 7 are dropped.
TEST_CASE("deadlines: expired requests are dropped at dequeue and violations counted", "[serving]") {
  const std::string dir = testing::scratch_dir("deadline-hand-inputs");
  const Served s = serve("deadline-hand", 8, replay(dir, {0, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007}),
                         one_server(1), "simgrid", {{"deadline_s", 0.0255}, {"drop_expired", true}});
  const std::vector<std::string> outcome{"served", "served", "served", "lost", "lost", "served", "lost", "lost"};
  for (std::size_t i = 0; i < 8; ++i) CHECK(s.column(i, "outcome") == outcome[i]);
  CHECK(s.summary["dropped_fraction"].get<double>() == 0.5);
  CHECK(s.summary["accuracy"].get<double>() == Approx(0.5));  // the trace answers every served request right
  // Violations: 2 (28 ms) and 5 (35 ms) late, 4 lost.
  CHECK(s.summary["slo"]["deadline_s"].get<double>() == 0.0255);
  CHECK(s.summary["slo"]["violation_fraction"].get<double>() == 0.75);
  CHECK(s.summary["latency_s"]["max"].get<double>() == Approx(0.035).epsilon(1e-9));
}

TEST_CASE("at vanishing load both engines agree on every selection rule, batching and deadlines", "[serving][engines]") {
  const std::string dir = testing::scratch_dir("serving-agree-inputs");
  const std::string one_stage = one_stage_profile(dir, 1e7, json{{"a", 0.008}, {"c", 0.002}});
  // Three batched stages on the edge: max_wait_s is waited once per visit, then each stage is a pass.
  json stages = json::array();
  for (int st = 0; st < 3; ++st)
    stages.push_back({{"name", fmt::format("s{}", st)}, {"macs", 4e6}, {"bits", 32}, {"exit", 0}, {"output_bytes", 0},
                      {"batch_latency_s", {0.004, 0.006, 0.007, 0.0075}}});
  stages[0].erase("exit");
  stages[1].erase("exit");
  const std::string three_stages = testing::write_file(
      dir + "/three.json",
      json{{"name", "three"}, {"input_bytes", 0}, {"stages", stages}, {"tiers", {{"edge", {{"stages", {0, 2}}}}}}}.dump());
  for (const auto& [rule, profile] : std::vector<std::pair<std::string, std::string>>{
           {"static", one_stage}, {"nearest", one_stage}, {"least_loaded", one_stage}, {"power_of_two", one_stage},
           {"static", three_stages}, {"least_loaded", three_stages}}) {
    const json servers = {{"edge", {{"workers", 2}}},
                          {"hosts", {{"edge-a", {{"max_batch", 4}, {"max_wait_s", 0.003}}}}},
                          {"selection", {{"rule", rule}}}};
    const json extra = {{"deadline_s", 0.0125}};  // edge-a: 3 ms for a batch that never fills + 10 ms: late
    const json arrival = {{"process", "periodic"}, {"rate_hz", 1}};  // one request in the system at a time
    const std::string id = rule + (profile == one_stage ? "-1" : "-3");
    const Served a = serve("agree-a-" + id, 200, arrival, servers, "analytic", extra, profile);
    const Served g = serve("agree-g-" + id, 200, arrival, servers, "simgrid", extra, profile);
    INFO(id);
    if (profile == three_stages)  // 3 ms for the batch, then 3 x 4 ms
      CHECK(g.summary["latency_s"]["mean"].get<double>() == Approx(0.015).epsilon(1e-9));
    for (const char* key : {"mean", "p95", "max"})
      CHECK(a.summary["latency_s"][key].get<double>() == Approx(g.summary["latency_s"][key].get<double>()).epsilon(1e-9));
    CHECK(a.summary["slo"] == g.summary["slo"]);
    for (const char* host : {"edge-a", "edge-b"}) {
      CHECK(a.summary["servers"][host]["requests"] == g.summary["servers"][host]["requests"]);
      CHECK(a.summary["servers"][host]["mean_queue_s"].get<double>() ==
            Approx(g.summary["servers"][host]["mean_queue_s"].get<double>()).margin(1e-12));
    }
    CHECK(a.summary.contains("selection_note") == (rule == "least_loaded" || rule == "power_of_two"));
  }
}

// edge-a fails at 5 ms for 20 ms. Arrivals at 0, 2, 4 and 30 ms, 10 ms of service, one worker
// per server, static selection (edge-a). At 5 ms request 0 is in service and 1, 2 are queued.
TEST_CASE("a failing server loses its requests, or sends them again to a server that is up", "[serving]") {
  const std::string dir = testing::scratch_dir("failure-hand-inputs");
  const json arrival = replay(dir, {0, 0.002, 0.004, 0.030});
  auto run = [&](const std::string& name, const std::string& on_failure, int workers) {
    return serve(name, 4, arrival,
                 {{"edge", {{"workers", workers}}},
                  {"failures", {{{"host", "edge-a"}, {"at_s", 0.005}, {"for_s", 0.020}}}},
                  {"on_failure", on_failure}});
  };
  // lose: 0, 1 and 2 are lost at 5 ms; 3 reaches edge-a after it recovered.
  const Served lose = run("failure-lose", "lose", 1);
  for (std::size_t i = 0; i < 3; ++i) CHECK(lose.column(i, "outcome") == "lost");
  CHECK(lose.column(3, "outcome") == "served");
  CHECK(lose.summary["lost_to_failures"] == 3);
  CHECK(lose.summary["lost_fraction"].get<double>() == 0.75);
  CHECK(lose.summary["dropped_fraction"].get<double>() == 0);
  // resend: at 5 ms 0, 1, 2 go to edge-b (static's choice among the servers up), in that order:
  // 5-15, 15-25, 25-35; 3 to edge-a again (up since 25): 30-40.
  const Served resend = run("failure-resend", "resend", 1);
  const std::vector<double> latency{0.015, 0.023, 0.031, 0.010};
  const std::vector<std::string> hosts{"edge-b", "edge-b", "edge-b", "edge-a"};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("request " << i);
    CHECK(std::stod(resend.column(i, "latency_s")) == Approx(latency[i]).epsilon(1e-9));
    CHECK(resend.column(i, "edge_host") == hosts[i]);
  }
  CHECK(resend.summary["resent_after_failures"] == 3);
  CHECK(resend.summary["lost_to_failures"] == 0);
  const json& servers = resend.summary["servers"];
  const double T = resend.summary["simulated_time_s"].get<double>();
  CHECK(servers["edge-a"]["utilisation"].get<double>() * T == Approx(0.005 + 0.010).epsilon(1e-9));  // 0-5 cut short, 30-40
  CHECK(servers["edge-b"]["utilisation"].get<double>() * T == Approx(0.030).epsilon(1e-9));
  // 8 workers on 4 cores: services are SimGrid executions, cancelled at the failure. 0, 1, 2 all
  // run at once on edge-a (0-10, 2-12, 4-14), then on edge-b from 5 ms: all end at 15 ms.
  const Served shared = run("failure-resend-exec", "resend", 8);
  const std::vector<double> shared_latency{0.015, 0.013, 0.011, 0.010};
  for (std::size_t i = 0; i < 4; ++i)
    CHECK(std::stod(shared.column(i, "latency_s")) == Approx(shared_latency[i]).epsilon(1e-9));
}

// A request dropped by a full queue is answered by the exit its device already computed. Stage
// 0 (exit 0) on the phone, stages 1 and 2 on the edge, 10 ms each; the policy never exits early.
// Request 0 (sample 0): phone 0-10 ms, edge 10-30 ms, exit 2. Request 1 (sample 1, arrives at
// 1 ms): phone 10-20 ms; at 20 ms edge-a is busy and its queue holds nothing: dropped, answered
// by exit 0 (which predicts class 2 for a sample of class 1: wrong).
TEST_CASE("a dropped request is answered by the exit computed on its device", "[serving]") {
  const std::string dir = testing::scratch_dir("drop-device-inputs");
  json stages = json::array();
  for (int s = 0; s < 3; ++s)
    stages.push_back({{"name", fmt::format("s{}", s)}, {"macs", 1e7}, {"bits", 32}, {"exit", s}, {"output_bytes", 0}});
  const std::string profile = testing::write_file(
      dir + "/profile.json",
      json{{"name", "three"}, {"input_bytes", 0}, {"stages", stages},
           {"tiers", {{"mobile", {{"stages", {0, 0}}}}, {"edge", {{"stages", {1, 2}}}}}}}
          .dump());
  json config = {{"name", "drop-device"},
                 {"trace", source_path("tests/data/tiny.csv")},
                 {"profile", profile},
                 {"platform", source_path("tests/data/serving_platform.xml")},
                 {"policy", {{"name", "max_softmax"}, {"params", {{"thresholds", 1.0}}}}},
                 {"workload",
                  {{"devices", 1}, {"requests", 2}, {"arrival", replay(dir, {0, 0.001})}, {"result_bytes", 0},
                   {"sample_order", "trace"}}},
                 {"servers", {{"edge", {{"workers", 1}, {"queue_capacity", 0}}}}},
                 {"outputs", {{"requests_csv", true}}}};
  const std::string out = testing::scratch_dir("drop-device");
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + out);
  INFO(r.err);
  REQUIRE(r.status == 0);
  Served s;
  s.summary = testing::read_json(out + "/runs/drop-device/summary.json");
  s.requests = testing::read_csv(out + "/runs/drop-device/requests.csv");
  CHECK(s.column(0, "outcome") == "served");
  CHECK(s.column(0, "exit") == "2");
  CHECK(std::stod(s.column(0, "finish_s")) == Approx(0.030).epsilon(1e-9));
  CHECK(s.column(1, "outcome") == "dropped_answered_on_device");
  CHECK(s.column(1, "exit") == "0");
  CHECK(s.column(1, "exit_tier") == "mobile");
  CHECK(s.column(1, "correct") == "0");
  CHECK(std::stod(s.column(1, "latency_s")) == Approx(0.019).epsilon(1e-9));
  CHECK(s.summary["dropped_fraction"].get<double>() == 0.5);
  CHECK(s.summary["dropped_answered_on_device_fraction"].get<double>() == 0.5);
  CHECK(s.summary["lost_fraction"].get<double>() == 0);
  CHECK(s.summary["accuracy"].get<double>() == 0.5);
  CHECK(s.summary["exit_fraction"]["mobile"].get<double>() == 0.5);
}

// Three requests at the same instant, batches of up to 2, max_wait_s 5 ms, 2 ms alone and 3 ms
// for two: 0 and 1 run 0-3 ms; 2 waited since 0, its batch is due at 5 ms (the instant 0's was)
// and runs alone 5-7 ms, though the worker was free from 3 ms and nothing else arrives.
TEST_CASE("a batch that never fills is served when due, also after the first request's batch left", "[serving]") {
  const std::string dir = testing::scratch_dir("batch-due-inputs");
  const std::string profile = one_stage_profile(dir, 2e6, json::array({0.002, 0.003}));
  const Served s = serve("batch-due", 3, replay(dir, {0, 0, 0}),
                         {{"edge", {{"workers", 1}, {"max_batch", 2}, {"max_wait_s", 0.005}}}}, "simgrid",
                         json::object(), profile);
  CHECK(std::stod(s.column(0, "finish_s")) == Approx(0.003).epsilon(1e-9));
  CHECK(std::stod(s.column(1, "finish_s")) == Approx(0.003).epsilon(1e-9));
  CHECK(std::stod(s.column(2, "finish_s")) == Approx(0.007).epsilon(1e-9));
  CHECK(std::stod(s.column(2, "queue_s")) == Approx(0.005).epsilon(1e-9));
}
