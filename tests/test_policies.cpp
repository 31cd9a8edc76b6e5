// Policy decisions on the hand-written trace (tests/data/tiny.*), checked against values
// computed by hand. Entropies (natural log) of the trace's probability rows:
//   exit 0: s0 0.394, s1 1.030, s2 0.802, s3 1.081
//   exit 1: s0 0.232, s1 0.898, s2 1.089, s3 1.030
// The profile lets the mobile run stage 0, the edge stages 0-1, the cloud stages 0-2.
#include <catch2/catch.hpp>

#include "error.hpp"
#include "helpers.hpp"
#include "policy.hpp"
#include "walk.hpp"

using namespace tiersim;
using Catch::Matchers::Contains;

namespace {

struct Fixture {
  Trace trace = load_trace(testing::source_path("tests/data/tiny.csv"));
  ModelProfile profile = load_profile(testing::source_path("tests/data/tiny.profile.json"));
};

struct Outcome {
  int exit;
  Tier tier;
  std::vector<std::string> steps;  // "C mobile", "T mobile->edge", ...
};

Outcome walk(const Fixture& f, const Policy& policy, int sample) {
  WalkSetup setup{f.trace, f.profile, policy, 1, 64};
  Walk w(setup, sample, 0);
  Outcome o{};
  for (Step s = w.next();; s = w.next()) {
    if (s.kind == StepKind::Done) {
      o.exit = s.exit;
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
  p->check(f.trace, f.profile);
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
  CHECK_THROWS_WITH(two->check(f.trace, f.profile), Contains("expected one threshold per trace exit (3), got 2"));
}

TEST_CASE("entropy policy refuses a trace it cannot compute entropy for", "[policy][bad-input]") {
  Trace cifar = load_trace(testing::source_path("traces/cifar10_mobilenet2.csv"));
  ModelProfile profile = load_profile(testing::source_path("traces/cifar10_mobilenet2.profile.json"));
  auto p = make_policy("entropy", {{"thresholds", 0.5}}, "cfg.json");
  CHECK_THROWS_WITH(p->check(cifar, profile), Contains("needs per-exit entropy"));
}
