// Adaptive policies (policies/buffer_threshold, ucb_threshold, ucb_exit, deadline_aware) and
// the system state and feedback they rely on: hand-computed decisions, UCB's first rounds on a
// toy trace, a deadline case worked by hand on tests/data/tiny_platform.xml, the stepwise
// SimGrid engine against the walk-ahead one, determinism, and bad input.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "helpers.hpp"
#include "model/policy.hpp"

using namespace tiersim;
using Catch::Matchers::Contains;
using nlohmann::json;
using testing::source_path;

namespace {

// A probe that reports a fixed queue length where the request is.
struct FixedQueue final : StateProbe {
  long long queued = 0;
  SystemState state(const DecisionContext& ctx) const override {
    SystemState s;
    s.tier = ctx.tier;
    s.tiers[index(ctx.tier)].present = true;
    s.tiers[index(ctx.tier)].queued = queued;
    return s;
  }
};

std::unique_ptr<Policy> make(const std::string& name, const json& params, const Trace& trace, const ModelProfile& profile) {
  auto p = make_policy(name, params, "test.json");
  p->prepare(trace, profile);
  return p;
}

DecisionContext at(const Trace& t, const ModelProfile& p, int sample, int exit, std::uint64_t request,
                   const StateProbe* probe = nullptr) {
  return {t, p, sample, exit, exit, Tier::Mobile, request, 1, probe};
}

json run_summary(const json& config, const std::string& dir, std::string* err = nullptr) {
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out --requests");
  INFO(r.err);
  REQUIRE(r.status == 0);
  if (err) *err = r.err;
  return testing::read_json(dir + "/out/runs/" + config["name"].get<std::string>() + "/summary.json");
}

}  // namespace

TEST_CASE("buffer_threshold exits when confidence >= theta1 * q + theta2, at q = 0, 3 and 10", "[policy][adaptive]") {
  const Trace trace = load_trace(source_path("tests/data/tiny.csv"));
  const ModelProfile profile = load_profile(source_path("tests/data/tiny.profile.json"));
  // Exit 0 confidences: s0 0.9, s1 0.5, s2 0.7, s3 0.4. alpha = -0.07 q + 0.89:
  //   q = 0: 0.89 -> only s0;  q = 3: 0.68 -> s0, s2;  q = 10: 0.19 -> all four.
  auto p = make("buffer_threshold", {{"theta1", -0.07}, {"theta2", 0.89}}, trace, profile);
  REQUIRE(p->needs().state);
  FixedQueue probe;
  auto exits = [&](long long q) {
    probe.queued = q;
    std::string out;
    for (int s = 0; s < 4; ++s) out += p->at_exit(at(trace, profile, s, 0, 0, &probe)) == Decision::exit() ? '1' : '0';
    return out;
  };
  CHECK(exits(0) == "1000");
  CHECK(exits(3) == "1010");
  CHECK(exits(10) == "1111");
  // The repository's sign: a longer queue raises the bar (alpha = 0.05 q + 0.6).
  auto up = make("buffer_threshold", {{"theta1", 0.05}, {"theta2", 0.6}, {"otherwise", "cloud"}}, trace, profile);
  probe.queued = 0;
  CHECK(up->at_exit(at(trace, profile, 2, 0, 0, &probe)) == Decision::exit());  // 0.7 >= 0.6
  probe.queued = 3;
  CHECK(up->at_exit(at(trace, profile, 2, 0, 0, &probe)) == Decision::offload(Tier::Cloud));  // 0.7 < 0.75
}

TEST_CASE("UCB's first rounds on a 3-arm toy trace: arm order and counts", "[policy][adaptive][ucb]") {
  // One sample, confidences 0.5 / 0.9 / 0.95 at exits 0 / 1 / 2; ucb_exit with alpha = 0 exits
  // at the arm's exit, so arm i's reward is conf_i - 0.1 (i + 1): 0.4, 0.7, 0.65.
  // UCB1 (c = 2), rewards given after each request:
  //   rounds 1-3: untried arms 0, 1, 2; round 4 (N = 3): means decide, arm 1;
  //   round 5 (N = 4): 0.4 + 1.665, 0.7 + 1.177, 0.65 + 1.665 -> arm 2;
  //   round 6 (N = 5): 0.4 + 1.794, 0.7 + 1.269, 0.65 + 1.269 -> arm 0;
  //   round 7 (N = 6): 0.4 + 1.339, 0.7 + 1.339, 0.65 + 1.339 -> arm 1.
  const std::string dir = testing::scratch_dir("ucb_toy");
  testing::write_file(dir + "/toy.csv",
                      "sample,exit,label,prediction,confidence\n0,0,0,0,0.5\n0,1,0,0,0.9\n0,2,0,0,0.95\n");
  testing::write_file(dir + "/toy.json", json{{"dataset", "toy"}, {"model", "toy"}, {"source", "this test"}, {"classes", {"a", "b"}}, {"exits", {"e0", "e1", "e2"}}}.dump());
  const Trace trace = load_trace(dir + "/toy.csv");
  const ModelProfile profile = load_profile(source_path("tests/data/tiny.profile.json"));
  auto p = make("ucb_exit", {{"alpha", 0.0}, {"lambda", 0.1}, {"o", 0.5}}, trace, profile);
  REQUIRE(p->needs().feedback);
  std::vector<int> arms;
  for (std::uint64_t r = 0; r < 7; ++r) {
    p->at_input(at(trace, profile, 0, -1, r));
    int e = 0;
    while (!(p->at_exit(at(trace, profile, 0, e, r)) == Decision::exit())) ++e;
    arms.push_back(e);
    RequestOutcome o;
    o.request = r;
    o.exit = e;
    o.confidence = trace.confidence(0, e);
    p->observe(o);
  }
  CHECK(arms == std::vector<int>{0, 1, 2, 1, 2, 0, 1});
  const json info = p->describe();
  CHECK(info["counts"] == json({2, 3, 2}));
  CHECK(info["best_exit"] == 1);
  CHECK(info["mean_reward"][0].get<double>() == Approx(0.4));
  CHECK(info["mean_reward"][1].get<double>() == Approx(0.7));
}

TEST_CASE("ucb_threshold: AdaEE's reward per queue bucket, clipped or as the repository's code", "[policy][adaptive][ucb]") {
  const Trace trace = load_trace(source_path("tests/data/tiny.csv"));
  const ModelProfile profile = load_profile(source_path("tests/data/tiny.profile.json"));
  FixedQueue probe;
  probe.queued = 3;
  for (const bool clip : {true, false}) {
    // One arm (threshold 0.95): sample 1 (C_I = 0.5 at exit 0) goes on, answers at exit 2 with
    // C_L = 0.9: reward 0.4 - (0.1 * 3 - 0.05) = 0.15. Sample 2 (C_I 0.7) answers with 0.8 at
    // exit 2 but, say, it ended at exit 1 with 0.4: gain -0.3, clipped to 0 -> -0.25; unclipped -0.55.
    auto p = make("ucb_threshold", {{"thresholds", {0.95}}, {"buckets", {0, 2, 5}}, {"clip_gain", clip}}, trace, profile);
    CHECK(p->at_exit(at(trace, profile, 1, 0, 10, &probe)) == Decision::next());
    CHECK(p->at_exit(at(trace, profile, 2, 0, 11, &probe)) == Decision::next());
    RequestOutcome a;
    a.request = 10;
    a.exit = 2;
    a.confidence = 0.9;
    p->observe(a);
    RequestOutcome b;
    b.request = 11;
    b.exit = 1;
    b.confidence = 0.4;
    p->observe(b);
    const json info = p->describe();
    INFO(info.dump());
    CHECK(info["buckets"][1]["counts"] == json({2}));  // q = 3 falls in [2, 5)
    CHECK(info["buckets"][0]["counts"] == json({0}));
    CHECK(info["buckets"][1]["mean_reward"][0].get<double>() == Approx(clip ? (0.15 - 0.25) / 2 : (0.15 - 0.55) / 2));
  }
}

TEST_CASE("deadline_aware on two devices: the request queued behind the other exits early", "[policy][adaptive][engine]") {
  // tests/data/tiny_platform.xml, both phones send their raw input (2000 B) to edge-0 (1 worker)
  // at t = 0: 10 ms + 2 ms on each own radio. Request 0 (phone-0) is served first: stage 0 takes
  // 1e9 / 10 GMAC/s = 0.1 s, so it decides at 0.112 s. Going on (the threshold is never met):
  // stage 1 on the edge 0.2 s, then the cloud: upload 20 ms + 1000 B / 10 MB/s = 0.0201 s and
  // stage 2, 4e9 / 100 GMAC/s = 0.04 s: 0.112 + 0.2601 = 0.3721 s < 0.5: it goes on.
  // Request 1 waits until request 0 leaves the edge (0.312 s) and decides at 0.412 s:
  // 0.412 + 0.2601 > 0.5: it exits at exit 0, on the edge.
  // Latencies: request 0: 0.312 + 0.02005 (500 B over the WAN) + 0.04 + 0.03 (empty reply over
  // WAN and radio) = 0.40205 s; request 1: 0.412 + 0.01 = 0.422 s.
  const std::string dir = testing::scratch_dir("deadline_aware");
  const std::string arrivals = testing::write_file(dir + "/arrivals.csv", "device,time_s\n0,0\n1,0\n");
  json config = {{"name", "deadline"},
                 {"trace", source_path("tests/data/tiny.csv")},
                 {"profile", source_path("tests/data/tiny.profile.json")},
                 {"platform", source_path("tests/data/tiny_platform.xml")},
                 {"policy", {{"name", "deadline_aware"}, {"params", {{"deadline_s", 0.5}, {"threshold", 1.0}, {"start", "edge"}}}}},
                 {"workload", {{"devices", 2}, {"requests", 2}, {"sample_order", "trace"}, {"result_bytes", 0},
                               {"arrival", {{"process", "trace"}, {"file", arrivals}}}}},
                 {"servers", {{"edge", {{"workers", 1}}}}},
                 {"simulation", {{"engine", "simgrid"}, {"seed", 1}}}};
  const json s = run_summary(config, dir);
  CHECK(s["state"] == "simulated");
  const auto rows = testing::read_csv(dir + "/out/runs/deadline/requests.csv");
  const auto& header = rows.front();
  auto col = [&](const std::string& name) { return std::find(header.begin(), header.end(), name) - header.begin(); };
  std::map<std::string, std::vector<std::string>> by_request;
  for (std::size_t i = 1; i < rows.size(); ++i) by_request[rows[i][0]] = rows[i];
  REQUIRE(by_request.size() == 2);
  CHECK(by_request["0"][col("exit")] == "2");
  CHECK(by_request["1"][col("exit")] == "0");
  CHECK(std::stod(by_request["0"][col("latency_s")]) == Approx(0.40205).epsilon(1e-9));
  CHECK(std::stod(by_request["1"][col("latency_s")]) == Approx(0.422).epsilon(1e-9));
  // The analytic engine has no queue: request 1 decides at 0.112 s too and goes on; the summary
  // and a warning line say that the policy saw the zero-load state.
  config["simulation"]["engine"] = "analytic";
  std::string err;
  const json a = run_summary(config, testing::scratch_dir("deadline_aware_analytic"), &err);
  CHECK(a["state"] == "zero-load");
  CHECK(a["exit_fraction_by_exit"][2] == 1.0);
  CHECK_THAT(err, Contains("warning: ") && Contains("policy \"deadline_aware\" reads the system's state, but the "
                                                    "analytic engine has no load: it sees the zero-load state"));
}

TEST_CASE("the stepwise SimGrid engine matches the walk-ahead one for a rule that ignores the state", "[engine][adaptive]") {
  // buffer_threshold with theta1 = 0 is max_softmax with one threshold, but it declares that it
  // reads the state, so the engine runs it stepwise: under contention (300 phones on one access
  // point) every decision, latency and energy must come out the same.
  std::map<std::string, json> out;
  for (const json& policy : {json{{"name", "max_softmax"}, {"params", {{"thresholds", 0.95}}}},
                             json{{"name", "buffer_threshold"}, {"params", {{"theta1", 0.0}, {"theta2", 0.95}}}}}) {
    json c = testing::read_json(source_path("experiments/load.json"));
    c.erase("sweep");
    c.erase("figures");
    for (const char* key : {"trace", "profile", "platform"}) c[key] = source_path(c[key].get<std::string>().substr(3));
    c["name"] = policy["name"];
    c["policy"] = policy;
    c["workload"]["devices"] = 300;
    c["workload"]["requests"] = 6000;
    out[policy["name"]] = run_summary(c, testing::scratch_dir("stepwise_" + policy["name"].get<std::string>()));
  }
  const json &a = out["max_softmax"], &b = out["buffer_threshold"];
  CHECK(a["accuracy"] == b["accuracy"]);
  CHECK(a["exit_fraction_by_exit"] == b["exit_fraction_by_exit"]);
  CHECK(a["latency_s"]["p95"].get<double>() > 0.2);  // it is under contention
  for (const char* key : {"mean", "p50", "p95", "max"})
    CHECK(b["latency_s"][key].get<double>() == Approx(a["latency_s"][key].get<double>()).epsilon(1e-9));
  CHECK(b["energy_j_per_inference"]["total"].get<double>() == Approx(a["energy_j_per_inference"]["total"].get<double>()).epsilon(1e-9));
}

TEST_CASE("stateful policies give byte-identical summaries for a seed, -j 1 and -j 2", "[adaptive][determinism]") {
  json c = testing::read_json(source_path("experiments/load.json"));
  for (const char* key : {"trace", "profile", "platform"}) c[key] = source_path(c[key].get<std::string>().substr(3));
  c.erase("figures");
  c["workload"]["requests"] = 3000;
  c["sweep"] = json::array(
      {{{"set", {{"policy", {{"name", "ucb_threshold"}, {"params", {{"thresholds", {0.6, 0.8, 0.95}}, {"exit", 1}, {"queue", "uplink"}, {"buckets", {0, 10, 40}}, {"update_all_buckets", true}}}}}}},
        {"grid", {{"workload.devices", {30, 150}}}}},
       {{"set", {{"policy", {{"name", "buffer_threshold"}, {"params", {{"theta1", -0.01}, {"theta2", 0.95}, {"exit", 1}, {"queue", "uplink"}}}}}}},
        {"grid", {{"workload.devices", {30, 150}}}}},
       {{"set", {{"policy", {{"name", "ucb_exit"}, {"params", {{"alpha", 0.9}}}}}}}, {"grid", {{"workload.devices", {150}}}}}});
  const std::string dir = testing::scratch_dir("adaptive_determinism");
  const std::string path = testing::write_config(dir, c);
  std::map<std::string, std::string> texts[2];
  for (int j = 1; j <= 2; ++j) {
    auto r = testing::run_cli(fmt::format("run {} -o {}/j{} -j {}", path, dir, j, j));
    INFO(r.err);
    REQUIRE(r.status == 0);
    for (const auto& entry : std::filesystem::directory_iterator(fmt::format("{}/j{}/runs", dir, j))) {
      std::ifstream in(entry.path() / "summary.json");
      std::string line;
      while (std::getline(in, line))
        if (line.find("\"wall_time_s\"") == std::string::npos) texts[j - 1][entry.path().filename().string()] += line + "\n";
    }
  }
  CHECK(texts[0].size() == 5);
  CHECK(texts[0] == texts[1]);
}

TEST_CASE("bad settings of the adaptive policies exit 2 with the JSON path", "[bad_input][adaptive]") {
  const std::string dir = testing::scratch_dir("adaptive_bad");
  int cases = 0;
  auto fails = [&](const json& policy) {
    json config = {{"name", "bad"},
                   {"trace", source_path("tests/data/tiny.csv")},
                   {"profile", source_path("tests/data/tiny.profile.json")},
                   {"platform", source_path("tests/data/tiny_platform.xml")},
                   {"policy", policy},
                   {"workload", {{"devices", 1}, {"requests", 4}, {"arrival", {{"process", "poisson"}, {"rate_hz", 1.0}}}}},
                   {"simulation", {{"engine", "simgrid"}}}};
    auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out" + std::to_string(++cases));
    CHECK(r.status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(!std::filesystem::exists(dir + "/out" + std::to_string(cases) + "/runs/bad"));  // nothing half-written
    return r.err;
  };
  CHECK_THAT(fails({{"name", "ucb_threshold"}, {"params", {{"thresholds", json::array()}}}}),
             Contains("/policy/params/thresholds: expected a non-empty array of numbers"));
  CHECK_THAT(fails({{"name", "ucb_threshold"}, {"params", {{"thresholds", {0.5}}, {"buckets", {0, 4, 4}}}}}),
             Contains("/policy/params/buckets/2: expected a queue length above the previous edge (4)"));
  CHECK_THAT(fails({{"name", "ucb_threshold"}, {"params", {{"thresholds", {0.5}}, {"exit", 2}}}}),
             Contains("/policy/params/exit: expected a non-final exit of the trace (0 to 1), got 2"));
  CHECK_THAT(fails({{"name", "ucb_exit"}, {"params", {{"arms", {0, 7}}}}}),
             Contains("/policy/params/arms/1: expected an exit of the trace (0 to 2), got 7"));
  CHECK_THAT(fails({{"name", "buffer_threshold"}, {"params", {{"theta1", 0.1}, {"theta2", 0.5}, {"queue", "disk"}}}}),
             Contains("/policy/params/queue"));
  CHECK_THAT(fails({{"name", "deadline_aware"}, {"params", {{"threshold", 0.5}}}}), Contains("/policy/params: expected a key \"deadline_s\""));
}
