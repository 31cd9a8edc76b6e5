// Policy decisions on the hand-written trace (tests/data/tiny.*), checked against values
// computed by hand. Entropies (natural log) of the trace's probability rows:
//   exit 0: s0 0.394, s1 1.030, s2 0.802, s3 1.081
//   exit 1: s0 0.232, s1 0.898, s2 1.089, s3 1.030
// The profile lets the mobile run stage 0, the edge stages 0-1, the cloud stages 0-2.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <filesystem>

#include "io/dynamics.hpp"
#include "core/error.hpp"
#include "helpers.hpp"
#include "model/policy.hpp"
#include "model/walk.hpp"

using namespace tiersim;
using Catch::Matchers::Contains;

namespace {

struct Fixture {
  Trace trace = load_trace(testing::source_path("tests/data/tiny.csv"));
  ModelProfile profile = load_profile(testing::source_path("tests/data/tiny.profile.json"));
};

struct Outcome {
  int exit;
  int prediction;
  Tier tier;
  std::vector<std::string> steps;  // "C mobile", "T mobile->edge", ...
};

Outcome walk(const Fixture& f, Policy& policy, int sample, std::uint64_t request = 0) {
  WalkSetup setup{f.trace, f.profile, policy, 1, 64};
  Walk w(setup, sample, request);
  Outcome o{};
  for (Step s = w.next();; s = w.next()) {
    if (s.kind == StepKind::Done) {
      o.exit = s.exit;
      o.prediction = s.prediction;
      o.tier = s.tier;
      return o;
    }
    o.steps.push_back(s.kind == StepKind::Compute
                          ? "C " + std::string(tier_name(s.tier))
                          : "T " + std::string(tier_name(s.tier)) + "->" + std::string(tier_name(s.to)));
  }
}

std::unique_ptr<Policy> make(const std::string& name, const nlohmann::json& params, const Fixture& f) {
  auto p = make_policy(name, params, "test.json");
  p->prepare(f.trace, f.profile);
  return p;
}

}  // namespace

TEST_CASE("entropy policy exits at the first exit below its threshold", "[policy]") {
  Fixture f;
  auto p = make("entropy", {{"thresholds", {0.5, 1.0, 0.0}}}, f);
  auto s0 = walk(f, *p, 0), s1 = walk(f, *p, 1), s2 = walk(f, *p, 2), s3 = walk(f, *p, 3);
  CHECK(s0.exit == 0);  // 0.394 < 0.5
  CHECK(s0.tier == Tier::Mobile);
  CHECK(s0.steps == std::vector<std::string>{"C mobile"});
  CHECK(s1.exit == 1);  // 1.030 >= 0.5, then 0.898 < 1.0
  CHECK(s1.tier == Tier::Edge);
  CHECK(s1.steps == std::vector<std::string>{"C mobile", "T mobile->edge", "C edge", "T edge->mobile"});
  CHECK(s2.exit == 2);  // 0.802, 1.089: never below: final exit, in the cloud
  CHECK(s2.tier == Tier::Cloud);
  CHECK(s2.steps == std::vector<std::string>{"C mobile", "T mobile->edge", "C edge", "T edge->cloud", "C cloud",
                                             "T cloud->mobile"});
  CHECK(s3.exit == 2);
}

TEST_CASE("a single entropy threshold applies to every exit", "[policy]") {
  Fixture f;
  auto p = make("entropy", {{"thresholds", 0.9}}, f);
  CHECK(walk(f, *p, 0).exit == 0);  // 0.394
  CHECK(walk(f, *p, 1).exit == 1);  // 1.030, 0.898
  CHECK(walk(f, *p, 2).exit == 0);  // 0.802
  CHECK(walk(f, *p, 3).exit == 2);  // 1.081, 1.030
}

TEST_CASE("max-softmax policy exits where the top probability reaches the threshold", "[policy]") {
  Fixture f;
  auto p = make("max_softmax", {{"thresholds", 0.6}}, f);
  CHECK(walk(f, *p, 0).exit == 0);  // 0.9
  CHECK(walk(f, *p, 1).exit == 1);  // 0.5, then 0.6 >= 0.6
  CHECK(walk(f, *p, 2).exit == 0);  // 0.7
  CHECK(walk(f, *p, 3).exit == 2);  // 0.4, 0.5: final
  auto everything_on = make("max_softmax", {{"thresholds", 1.0}}, f);
  for (int s = 0; s < 4; ++s) CHECK(walk(f, *everything_on, s).exit == 2);
}

TEST_CASE("fixed-tier baselines run the whole inference where they say", "[policy]") {
  Fixture f;
  auto mobile = make("all-on-mobile", nlohmann::json::object(), f);
  auto edge = make("all-on-edge", nlohmann::json::object(), f);
  auto cloud = make("all-in-cloud", nlohmann::json::object(), f);
  for (int s = 0; s < 4; ++s) {
    auto m = walk(f, *mobile, s);
    CHECK(m.exit == 0);
    CHECK(m.tier == Tier::Mobile);
    CHECK(m.steps == std::vector<std::string>{"C mobile"});
    auto e = walk(f, *edge, s);
    CHECK(e.exit == 1);
    CHECK(e.steps == std::vector<std::string>{"T mobile->edge", "C edge", "C edge", "T edge->mobile"});
    auto c = walk(f, *cloud, s);
    CHECK(c.exit == 2);
    CHECK(c.tier == Tier::Cloud);
    CHECK(c.steps == std::vector<std::string>{"T mobile->cloud", "C cloud", "C cloud", "C cloud", "T cloud->mobile"});
  }
}

TEST_CASE("policy parameters are checked by name, type and range", "[policy][bad-input]") {
  Fixture f;
  CHECK_THROWS_WITH(make_policy("entropy", {{"thresholds", 0.5}, {"treshold", 1}}, "cfg.json"),
                    Contains("cfg.json: /policy/params/treshold: unknown key"));
  CHECK_THROWS_WITH(make_policy("entropy", nlohmann::json::object(), "cfg.json"),
                    Contains("cfg.json: /policy/params: expected a key \"thresholds\""));
  CHECK_THROWS_WITH(make_policy("max_softmax", {{"thresholds", 1.5}}, "cfg.json"),
                    Contains("/policy/params/thresholds: expected a number in [0, 1], got 1.5"));
  CHECK_THROWS_WITH(make_policy("max_softmax", {{"thresholds", "high"}}, "cfg.json"),
                    Contains("/policy/params/thresholds: expected an array, got string"));
  CHECK_THROWS_WITH(make_policy("entropie", nlohmann::json::object(), "cfg.json"),
                    Contains("cfg.json: /policy/name: unknown policy \"entropie\""));
  auto two = make_policy("entropy", {{"thresholds", {0.1, 0.2}}}, "cfg.json");
  CHECK_THROWS_WITH(two->prepare(f.trace, f.profile), Contains("expected one threshold per trace exit (3), got 2"));
}

TEST_CASE("entropy policy refuses a trace it cannot compute entropy for", "[policy][bad-input]") {
  Trace cifar = load_trace(testing::source_path("traces/cifar10_mobilenet2.csv"));
  ModelProfile profile = load_profile(testing::source_path("traces/cifar10_mobilenet2.profile.json"));
  auto p = make_policy("entropy", {{"thresholds", 0.5}}, "cfg.json");
  CHECK_THROWS_WITH(p->prepare(cifar, profile), Contains("needs per-exit entropy"));
}

// Normalized entropy H / ln 3: exit 0: s0 0.359, s1 0.937, s2 0.730, s3 0.984;
//                                exit 1: s0 0.211, s1 0.817, s2 0.991, s3 0.937.
TEST_CASE("normalized-entropy policy (DDNN) divides the entropy by ln(classes)", "[policy]") {
  Fixture f;
  auto p = make("normalized_entropy", {{"thresholds", 0.8}}, f);
  CHECK(walk(f, *p, 0).exit == 0);
  CHECK(walk(f, *p, 1).exit == 2);
  CHECK(walk(f, *p, 2).exit == 0);
  CHECK(walk(f, *p, 3).exit == 2);
  auto q = make("normalized_entropy", {{"thresholds", {0.2, 0.82, 0}}}, f);
  CHECK(walk(f, *q, 0).exit == 1);  // 0.359 >= 0.2, 0.211 < 0.82
  CHECK(walk(f, *q, 1).exit == 1);  // 0.817 < 0.82
}

// Predictions per exit: s0 0,0,0; s1 2,1,1; s2 2,1,2; s3 0,0,0.
TEST_CASE("patience policy (PABEE) exits after `patience` agreements in a row", "[policy]") {
  Fixture f;
  auto one = make("patience", {{"patience", 1}}, f);
  CHECK(walk(f, *one, 0).exit == 1);  // exit 1 agrees with exit 0
  CHECK(walk(f, *one, 1).exit == 2);  // 1 != 2 at exit 1; final exit
  CHECK(walk(f, *one, 2).exit == 2);
  CHECK(walk(f, *one, 3).exit == 1);
  auto two = make("patience", {{"patience", 2}}, f);
  for (int s = 0; s < 4; ++s) CHECK(walk(f, *two, s).exit == 2);  // never two agreements before the final exit
  CHECK_THROWS_WITH(make_policy("patience", {{"patience", 0}}, "c.json"),
                    Contains("/policy/params/patience: expected an integer >= 1, got 0"));
}

TEST_CASE("oracle stops at the first right exit, else runs to the final exit", "[policy]") {
  Fixture f;
  auto p = make("oracle", nlohmann::json::object(), f);
  auto s0 = walk(f, *p, 0), s1 = walk(f, *p, 1), s2 = walk(f, *p, 2), s3 = walk(f, *p, 3);
  CHECK(s0.exit == 0);
  CHECK(s1.exit == 1);  // exit 0 says 2, the label is 1
  CHECK(s1.tier == Tier::Edge);
  CHECK(s2.exit == 0);
  CHECK(s3.exit == 2);  // never right
  CHECK(s3.tier == Tier::Cloud);
}

TEST_CASE("oracle sends the raw input to a full model that is the only one right", "[policy]") {
  Fixture f;
  f.profile.tiers[index(Tier::Cloud)] = TierModel{-1, -1, FullModel{5e9, 32, 2}};
  f.profile.stages.pop_back();  // the chain now ends at exit 1 on the edge
  f.profile.tiers[index(Tier::Edge)].last = 1;
  f.trace.prediction(2, 0) = 0;  // sample 2 (label 2) now predicted 0, 1, 2: right only at exit 2
  auto p = make("oracle", nlohmann::json::object(), f);
  auto s2 = walk(f, *p, 2);  // exit 2 is the cloud's full model
  CHECK(s2.exit == 2);
  CHECK(s2.steps == std::vector<std::string>{"T mobile->cloud", "C cloud", "T cloud->mobile"});
}

TEST_CASE("random offloading goes on at the given rate, the same way for the same request", "[policy]") {
  Fixture f;
  auto never = make("random", {{"rate", 0.0}}, f);
  auto always = make("random", {{"rate", 1.0}}, f);
  auto half = make("random", {{"rate", {0.5, 0.0, 0.0}}}, f);
  int went_on = 0;
  for (std::uint64_t r = 0; r < 20000; ++r) {
    CHECK(walk(f, *never, 0, r).exit == 0);
    CHECK(walk(f, *always, 0, r).exit == 2);
    const int e = walk(f, *half, 0, r).exit;
    CHECK(e == walk(f, *half, 0, r).exit);
    went_on += e > 0 ? 1 : 0;
  }
  CHECK(went_on / 20000.0 == Approx(0.5).margin(0.015));
}

// MEANet on the tiny trace, with a MEANet-shaped profile: the device runs the main block
// (stage 0, exit 0) and the extension block (stage 1, exit 1); the cloud runs a full model
// whose predictions are exit 2. Main-exit entropies: s0 0.394, s1 1.030, s2 0.802, s3 1.081;
// main predictions 0, 2, 2, 0; extension probabilities of s2: (0.3, 0.4, 0.3).
namespace {
Fixture meanet_fixture() {
  Fixture f;
  f.profile.stages.pop_back();
  f.profile.tiers[index(Tier::Mobile)] = TierModel{0, 1, std::nullopt};
  f.profile.tiers[index(Tier::Edge)] = TierModel{};
  f.profile.tiers[index(Tier::Cloud)] = TierModel{-1, -1, FullModel{4e9, 32, 2}};
  return f;
}
}  // namespace

TEST_CASE("MEANet: complex to the cloud, easy classes at main, hard ones at the extension", "[policy][meanet]") {
  Fixture f = meanet_fixture();
  auto p = make("meanet", {{"entropy_threshold", 1.0}, {"hard_classes", {"b", "c"}}}, f);
  auto s0 = walk(f, *p, 0), s1 = walk(f, *p, 1), s2 = walk(f, *p, 2), s3 = walk(f, *p, 3);
  CHECK((s0.exit == 0 && s0.prediction == 0 && s0.tier == Tier::Mobile));  // H 0.394, "a" is easy
  CHECK((s1.exit == 2 && s1.prediction == 1 && s1.tier == Tier::Cloud));   // H 1.030 > 1: complex
  CHECK(s1.steps == std::vector<std::string>{"C mobile", "T mobile->cloud", "C cloud", "T cloud->mobile"});
  CHECK((s2.exit == 1 && s2.prediction == 1 && s2.tier == Tier::Mobile));  // "c" is hard: extension says b
  CHECK(s2.steps == std::vector<std::string>{"C mobile", "C mobile"});
  CHECK((s3.exit == 2 && s3.prediction == 0));
  CHECK(p->describe()["hard_classes"] == nlohmann::json{"b", "c"});
}

TEST_CASE("MEANet confidence variant answers with main when main is more confident", "[policy][meanet]") {
  Fixture f = meanet_fixture();
  auto p = make("meanet", {{"entropy_threshold", 1.0}, {"hard_classes", {1, 2}}, {"variant", "confidence"}}, f);
  auto s2 = walk(f, *p, 2);
  CHECK(s2.exit == 1);        // the extension block ran
  CHECK(s2.prediction == 2);  // main confidence 0.7 > the extension's 0.4: main's answer, which is right
}

TEST_CASE("MEANet's extension answers among the hard classes only", "[policy][meanet]") {
  Fixture f = meanet_fixture();
  auto p = make("meanet", {{"entropy_threshold", 1.0}, {"hard_classes", {"c"}}}, f);
  auto s2 = walk(f, *p, 2);  // the trace's extension argmax is b, outside {c}: restricted argmax is c
  CHECK(s2.exit == 1);
  CHECK(s2.prediction == 2);
  Fixture bare = meanet_fixture();
  bare.trace.probability.clear();  // entropy stays; the extension's full vector is gone
  auto q = make_policy("meanet", {{"entropy_threshold", 1.0}, {"hard_classes", {"c"}}}, "cfg.json");
  CHECK_THROWS_WITH(q->prepare(bare.trace, bare.profile),
                    Contains("sample 0 is predicted \"a\" at the extension exit 1, outside MEANet's hard classes"));
}

// Main-exit accuracy per class over all 4 samples: a 1/1, b 0/2, c 1/1 -> the lowest half (1 of 3) is {b}.
TEST_CASE("MEANet derives the hard classes from main-exit accuracy on a calibration split", "[policy][meanet]") {
  Fixture f = meanet_fixture();
  auto all = make("meanet", {{"entropy_threshold", 1.0}, {"calibration_split", "all"}}, f);
  CHECK(all->describe()["hard_classes"] == nlohmann::json{"b"});
  auto q = make_policy("meanet", {{"entropy_threshold", 1.0}}, "cfg.json");
  CHECK_THROWS_WITH(q->prepare(f.trace, f.profile), Contains("no sample of class \"a\" in split \"calibration\""));
  f.trace.split = {"calibration", "test", "calibration", "calibration"};
  auto split = make("meanet", {{"entropy_threshold", 1.0}, {"calibration_split", "calibration"}}, f);
  CHECK(split->describe()["hard_classes"] == nlohmann::json{"b"});  // b: 0/1 on s3
  auto bad = make_policy("meanet", {{"entropy_threshold", 1.0}, {"hard_classes", {"z"}}}, "cfg.json");
  CHECK_THROWS_WITH(bad->prepare(f.trace, f.profile),
                    Contains("cfg.json: /policy/params/hard_classes/0: \"z\" is not a class of trace"));
  CHECK_THROWS_WITH(make_policy("meanet", {{"entropy_threshold", -1}}, "cfg.json"),
                    Contains("/policy/params/entropy_threshold: expected a number in [0, 1000], got -1"));
}

// DIMEC-DC on the tiny trace. Training dynamics (gold-label probability per epoch):
//   s0 0.9, 0.95 -> mu 0.925, sigma 0.025     s1 0.2, 0.6 -> mu 0.4, sigma 0.2
//   s2 0.5, 0.7  -> mu 0.6,   sigma 0.1       s3 0.1, 0.1 -> mu 0.1, sigma 0
// Device-exit (exit 0) confidences: s0 0.9, s1 0.5, s2 0.7, s3 0.4.
namespace {
std::string write_dynamics(const std::string& dir) {
  return testing::write_file(dir + "/dyn.csv",
                             "sample,epoch,gold_prob\n0,0,0.9\n0,1,0.95\n1,0,0.2\n1,1,0.6\n2,0,0.5\n2,1,0.7\n3,0,0.1\n3,1,0.1\n");
}
}  // namespace

TEST_CASE("DIMEC-DC routes easy, medium and hard pools to device, edge and cloud", "[policy][dimec]") {
  Fixture f;
  auto dir = testing::scratch_dir("dimec");
  write_dynamics(dir);
  // Thresholds on mu: >= 0.55 easy (s0, s2), < 0.3 hard (s3), else medium (s1).
  // Feature centroids: easy (0.9 + 0.7) / 2 = 0.8, medium 0.5, hard 0.4.
  nlohmann::json params = {{"dynamics", "dyn.csv"},
                           {"pools", {{"easy_min_confidence", 0.55}, {"hard_max_confidence", 0.3}}}};
  auto p = make_policy("dimec_dc", params, dir + "/config.json");
  p->prepare(f.trace, f.profile);
  auto s0 = walk(f, *p, 0), s1 = walk(f, *p, 1), s2 = walk(f, *p, 2), s3 = walk(f, *p, 3);
  CHECK((s0.exit == 0 && s0.tier == Tier::Mobile));  // 0.9: easy
  CHECK((s1.exit == 1 && s1.tier == Tier::Edge));    // 0.5: medium
  CHECK(s1.steps == std::vector<std::string>{"C mobile", "T mobile->edge", "C edge", "T edge->mobile"});
  CHECK((s2.exit == 0 && s2.tier == Tier::Mobile));  // 0.7: easy (0.1 from 0.8, 0.2 from 0.5)
  CHECK((s3.exit == 2 && s3.tier == Tier::Cloud));   // 0.4: hard
  CHECK(s3.steps == std::vector<std::string>{"C mobile", "T mobile->cloud", "C cloud", "C cloud", "T cloud->mobile"});
  auto info = p->describe();
  CHECK(info["pools"]["easy"]["training_samples"] == 2);
  CHECK(info["pools"]["easy"]["feature_centroid"][0].get<double>() == Approx(0.8));
  CHECK(info["pools"]["hard"]["feature_centroid"][0].get<double>() == Approx(0.4));

  params["exit_confidence"] = 0.8;  // s2 (0.7) fails the device gate; s1's edge exit (0.6) fails too
  auto gated = make_policy("dimec_dc", params, dir + "/config.json");
  gated->prepare(f.trace, f.profile);
  CHECK(walk(f, *gated, 0).exit == 0);
  CHECK(walk(f, *gated, 1).exit == 2);
  auto g2 = walk(f, *gated, 2);
  CHECK(g2.exit == 2);
  CHECK(g2.steps == std::vector<std::string>{"C mobile", "T mobile->edge", "C edge", "T edge->cloud", "C cloud",
                                             "T cloud->mobile"});
}

// k-means from (mu, sigma) of the lowest, median and highest mu: s3 (0.1, 0), s2 (0.6, 0.1),
// s0 (0.925, 0.025). s1 (0.4, 0.2) is 0.22 from s2 and 0.36 from s3: medium; the medium
// centre moves to (0.5, 0.15) and nothing changes. Pools: easy {s0}, medium {s1, s2}, hard {s3}.
TEST_CASE("DIMEC-DC pools by k-means in (confidence, variability)", "[policy][dimec]") {
  Fixture f;
  auto dir = testing::scratch_dir("dimec_kmeans");
  write_dynamics(dir);
  auto p = make_policy("dimec_dc", {{"dynamics", "dyn.csv"}}, dir + "/config.json");
  p->prepare(f.trace, f.profile);
  auto info = p->describe();
  CHECK(info["pools"]["easy"]["training_samples"] == 1);
  CHECK(info["pools"]["medium"]["training_samples"] == 2);
  CHECK(info["pools"]["hard"]["training_samples"] == 1);
  CHECK(info["pools"]["medium"]["feature_centroid"][0].get<double>() == Approx(0.6));
}

TEST_CASE("training dynamics load from per-epoch CSV and from a data map alike", "[dynamics]") {
  auto dir = testing::scratch_dir("dynamics");
  auto csv = load_dynamics(write_dynamics(dir));
  REQUIRE(csv.size() == 4);
  CHECK(csv.confidence[1] == Approx(0.4));
  CHECK(csv.variability[1] == Approx(0.2));
  CHECK(csv.variability[3] == 0.0);
  testing::write_file(dir + "/map.jsonl",
                      "{\"guid\": 3, \"confidence\": 0.1, \"variability\": 0.0, \"correctness\": 0.0}\n"
                      "{\"guid\": \"1\", \"confidence\": 0.4, \"variability\": 0.2, \"correctness\": 0.5}\n");
  auto map = load_dynamics(dir + "/map.jsonl");
  CHECK(map.ids == std::vector<long long>{1, 3});
  CHECK(map.confidence[0] == Approx(0.4));
  testing::write_file(dir + "/bad.jsonl", "{\"guid\": 1, \"confidence\": 1.4, \"variability\": 0.1}\n");
  CHECK_THROWS_WITH(load_dynamics(dir + "/bad.jsonl"), Contains("bad.jsonl:1: confidence 1.4 or variability 0.1 out of range"));
  testing::write_file(dir + "/bad.csv", "sample,epoch,gold_prob\n0,0,0.5\n0,0,0.6\n");
  CHECK_THROWS_WITH(load_dynamics(dir + "/bad.csv"), Contains("bad.csv:3: sample 0 has epoch 0 twice"));
}

TEST_CASE("DIMEC-DC refuses training dynamics of samples the trace does not have", "[policy][dimec][bad-input]") {
  Fixture f;
  auto dir = testing::scratch_dir("dimec_bad");
  testing::write_file(dir + "/dyn.csv", "sample,epoch,gold_prob\n0,0,0.9\n42,0,0.3\n");
  auto p = make_policy("dimec_dc", {{"dynamics", "dyn.csv"}}, dir + "/config.json");
  CHECK_THROWS_WITH(p->prepare(f.trace, f.profile), Contains("dyn.csv: sample 42 of the training dynamics is not in trace"));
  CHECK_THROWS_WITH(make_policy("dimec_dc", {{"dynamics", "dyn.csv"}, {"exit_confidence", 2}}, "c.json"),
                    Contains("/policy/params/exit_confidence: expected a number in [0, 1], got 2"));
}

TEST_CASE("a trace can declare the classes an exit covers and MEANet takes them as hard classes", "[policy][meanet][trace]") {
  auto dir = testing::scratch_dir("exit_classes");
  std::filesystem::copy_file(testing::source_path("tests/data/tiny.csv"), dir + "/t.csv");
  auto sidecar = testing::read_json(testing::source_path("tests/data/tiny.json"));
  sidecar["exit_classes"] = {{"1", {"a", "b"}}};  // exit 1 predicts 0, 1, 1, 0: within {a, b}
  testing::write_file(dir + "/t.json", sidecar.dump());
  Fixture f = meanet_fixture();
  f.trace = load_trace(dir + "/t.csv");
  auto p = make("meanet", {{"entropy_threshold", 1.0}}, f);
  CHECK(p->describe()["hard_classes"] == nlohmann::json{"a", "b"});
  CHECK(p->describe()["hard_classes_from"] == "trace");
  sidecar["exit_classes"] = {{"1", {"b", "c"}}};
  testing::write_file(dir + "/t.json", sidecar.dump());
  CHECK_THROWS_WITH(load_trace(dir + "/t.csv"),
                    Contains("t.csv:3: prediction 0 at exit 1 is outside the classes the sidecar gives that exit"));
  sidecar["exit_classes"] = {{"1", {"z"}}};
  testing::write_file(dir + "/t.json", sidecar.dump());
  CHECK_THROWS_WITH(load_trace(dir + "/t.csv"), Contains("t.json: /exit_classes/1: expected class names"));
}

TEST_CASE("a threshold equal to a sample's own value decides as the rule's comparison says", "[policy][precision]") {
  // 0.9 and 0.35 are not binary fractions: stored as float32 they would be 0.899999976 and
  // 0.349999994, and ">= 0.9" would keep going while "< 0.35" would exit. Stored as written
  // (doubles, traces/FORMAT.md), a tie decides as in the published rule.
  auto dir = testing::scratch_dir("threshold_ties");
  testing::write_file(dir + "/t.csv",
                      "sample,exit,label,prediction,confidence,entropy\n"
                      "0,0,0,0,0.9,0.35\n0,1,0,0,0.93,0.3\n0,2,0,0,0.97,0.1\n");
  testing::write_file(dir + "/t.json", R"({"dataset": "d", "model": "m", "source": "s",
                                          "classes": ["a", "b", "c"], "exits": ["mobile", "edge", "cloud"]})");
  Fixture f;
  f.trace = load_trace(dir + "/t.csv");
  CHECK(f.trace.confidence(0, 0) == 0.9);
  CHECK(f.trace.entropy(0, 0) == 0.35);
  // max softmax >= threshold: the tie exits; the next double above it does not.
  CHECK(walk(f, *make("max_softmax", {{"thresholds", {0.9, 1.0, 0.0}}}, f), 0).exit == 0);
  CHECK(walk(f, *make("max_softmax", {{"thresholds", {std::nextafter(0.9, 1.0), 1.0, 0.0}}}, f), 0).exit == 2);
  // entropy < threshold: the tie goes on; the next double above it exits.
  CHECK(walk(f, *make("entropy", {{"thresholds", {0.35, 0.0, 1.0}}}, f), 0).exit == 2);
  CHECK(walk(f, *make("entropy", {{"thresholds", {std::nextafter(0.35, 1.0), 0.0, 1.0}}}, f), 0).exit == 0);
  // The trace is written back exactly (shortest round-trip digits).
  write_trace(f.trace, dir + "/back.csv");
  const Trace back = load_trace(dir + "/back.csv");
  CHECK((back.confidence == f.trace.confidence).all());
  CHECK((back.entropy == f.trace.entropy).all());
}

TEST_CASE("policies warn about what cannot work on this trace", "[policy][warnings]") {
  Fixture f;
  // The tiny trace has 3 exits: exiting before the last one (2) needs patience + 1 agreeing
  // exits among exits 0 and 1. Patience 1: s0 predicts 0 at both; patience 2 never can.
  CHECK(make("patience", {{"patience", 1}}, f)->warnings().empty());
  const auto never = make("patience", {{"patience", 2}}, f)->warnings();
  REQUIRE(never.size() == 1);
  CHECK(never[0] == "policy \"patience\": patience 2 never exits early on " + f.trace.path +
                        ": no sample has 3 agreeing exits in a row before the last exit (2), so every request runs "
                        "to it");
  // MEANet's easy/hard split on 3 classes.
  Fixture m = meanet_fixture();
  const auto meanet = make("meanet", {{"entropy_threshold", 1.0}, {"hard_classes", {"b", "c"}}}, m)->warnings();
  REQUIRE(meanet.size() == 1);
  CHECK_THAT(meanet[0], Contains("3 classes (its easy/hard split was designed for many"));
  CHECK(make("entropy", {{"thresholds", 0.5}}, f)->warnings().empty());
}

TEST_CASE("every policy lists the parameters its factory reads from its example", "[policy]") {
  std::map<std::string, std::vector<std::string>> listed;
  for (const auto& p : registered_policies()) {
    INFO(p.name);
    REQUIRE_NOTHROW(listed[p.name] = policy_parameters(p));
  }
  CHECK(listed["entropy"] == std::vector<std::string>{"thresholds"});
  CHECK(listed["all-in-cloud"].empty());
  CHECK(listed["patience"] == std::vector<std::string>{"patience"});
  // Optional ones are listed too, whether the example sets them or not.
  const auto& meanet = listed["meanet"];
  for (const char* key : {"entropy_threshold", "main_exit", "extension_exit", "complex_to", "hard_classes", "variant"})
    CHECK(std::find(meanet.begin(), meanet.end(), key) != meanet.end());
  const auto& ucb = listed["ucb_exit"];
  for (const char* key : {"arms", "alpha", "lambda", "o", "exploration", "offload_to"})
    CHECK(std::find(ucb.begin(), ucb.end(), key) != ucb.end());
}
