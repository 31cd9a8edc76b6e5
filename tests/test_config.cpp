// Experiment config parsing: defaults, overrides from the command line, path resolution.
#include <catch2/catch.hpp>

#include "batch/config.hpp"
#include "core/error.hpp"
#include "helpers.hpp"

using namespace tiersim;
using Catch::Matchers::Contains;

static nlohmann::json quickstart() { return testing::read_json(testing::source_path("experiments/quickstart.json")); }
static const std::string kPath = testing::source_path("experiments/quickstart.json");

TEST_CASE("the quickstart config parses with its paths resolved next to it", "[config]") {
  Experiment x = parse_experiment(quickstart(), kPath);
  CHECK(x.name == "quickstart");
  CHECK(x.trace_path == testing::source_path("traces/sst2_bert12.csv"));
  CHECK(x.engine == "simgrid");
  CHECK(x.network_model == "CM02");
  CHECK(x.workload.devices == 20);
  CHECK(x.workload.arrival["process"] == "poisson");
  CHECK(x.servers.tier[index(Tier::Edge)].workers == 4);
  CHECK(x.accounting.mac_energy.pj_per_mac(32) == Approx(4.6));
  CHECK(x.accounting.mac_energy.pj_per_mac(8) == Approx(0.23));
}

TEST_CASE("overrides (--set) change any value by its dotted path", "[config]") {
  auto c = quickstart();
  apply_override(c, "simulation.engine=analytic");
  apply_override(c, "workload.arrival.rate_hz=0.5");
  apply_override(c, "energy.pj_per_mac={\"32\": 3.0}");
  Experiment x = parse_experiment(c, kPath);
  CHECK(x.engine == "analytic");
  CHECK(x.workload.arrival["rate_hz"] == 0.5);
  CHECK(x.accounting.mac_energy.pj_per_mac(32) == 3.0);
  CHECK_THROWS_WITH(apply_override(c, "novalue"), Contains("expected PATH=VALUE"));
}

TEST_CASE("config errors name the JSON path and what was expected", "[config][bad-input]") {
  auto typo = quickstart();
  typo["workload"]["arival"] = typo["workload"]["arrival"];
  CHECK_THROWS_WITH(parse_experiment(typo, kPath), Contains("quickstart.json: /workload/arival: unknown key"));
  auto negative = quickstart();
  negative["workload"]["devices"] = 0;
  CHECK_THROWS_WITH(parse_experiment(negative, kPath), Contains("/workload/devices: expected an integer >= 1, got 0"));
  auto engine = quickstart();
  engine["simulation"]["engine"] = "fast";
  CHECK_THROWS_WITH(parse_experiment(engine, kPath),
                    Contains("/simulation/engine: unknown engine \"fast\" (expected one of: analytic, simgrid)"));
  auto rule = quickstart();
  rule["servers"]["selection"] = {{"rule", "fastest"}};
  CHECK_THROWS_WITH(parse_experiment(rule, kPath),
                    Contains("quickstart.json: /servers/selection/rule: unknown server selection rule \"fastest\" "
                             "(expected one of: least_loaded, nearest, power_of_two, random, round_robin, static)"));
  rule["servers"]["selection"] = {{"rule", "static"}, {"k", 2}};
  CHECK_THROWS_WITH(parse_experiment(rule, kPath), Contains("/servers/selection/k: unknown key"));
  auto missing = quickstart();
  missing["trace"] = "no/such/trace.csv";
  CHECK_THROWS_WITH(parse_experiment(missing, kPath), Contains("/trace: expected an existing file"));
  auto bits = quickstart();
  bits["energy"] = {{"pj_per_mac", {{"3", 1.0}}}};
  CHECK_THROWS_WITH(parse_experiment(bits, kPath), Contains("/energy/pj_per_mac: expected bit widths"));
}

TEST_CASE("a command-line --set policy.name=X drops the params written for the config's policy", "[config]") {
  const std::string note = "--set policy.name=\"max_softmax\": the config's policy.params {\"thresholds\":0.25} were "
                           "for \"entropy\" and are dropped; give the new policy's with --set policy.params.KEY=VALUE, "
                           "or set it whole with --set 'policy={...}'";
  SECTION("a policy without parameters runs") {
    auto c = quickstart();
    CHECK_FALSE(apply_command_line_overrides(c, {"policy.name=all-on-edge"}).empty());
    CHECK(c["policy"] == nlohmann::json{{"name", "all-on-edge"}});
    CHECK_NOTHROW(parse_experiment(c, kPath));
  }
  SECTION("params set on the command line are kept, before or after the name") {
    for (const auto& overrides : {std::vector<std::string>{"policy.params.thresholds=0.9", "policy.name=max_softmax"},
                                  std::vector<std::string>{"policy.name=max_softmax", "policy.params.thresholds=0.9"}}) {
      auto c = quickstart();
      CHECK(apply_command_line_overrides(c, overrides) == note);
      CHECK(c["policy"] == nlohmann::json{{"name", "max_softmax"}, {"params", {{"thresholds", 0.9}}}});
    }
  }
  SECTION("the same name, or the policy set whole, keeps everything as given") {
    auto same = quickstart();
    CHECK(apply_command_line_overrides(same, {"policy.name=entropy"}).empty());
    CHECK(same["policy"]["params"]["thresholds"] == 0.25);
    auto whole = quickstart();
    CHECK(apply_command_line_overrides(whole, {"policy={\"name\":\"max_softmax\",\"params\":{\"thresholds\":0.8}}"}).empty());
    CHECK(whole["policy"]["params"]["thresholds"] == 0.8);
  }
  SECTION("on the command line: the note, then the new policy's own message for what it lacks") {
    auto r = testing::run_cli("validate " + kPath + " --set policy.name=max_softmax");
    CHECK(r.status == 2);
    CHECK(r.err == "tiersim: note: " + note + "\ntiersim: error: " + kPath +
                       ": /policy/params: expected a key \"thresholds\"\n");
  }
  SECTION("params for a policy that reads none: one line saying nothing is read there") {
    auto r = testing::run_cli("validate " + kPath + " --set 'policy={\"name\":\"all-on-edge\",\"params\":{\"thresholds\":1}}'");
    CHECK(r.status == 2);
    CHECK(r.err == "tiersim: error: " + kPath +
                       ": /policy/params/thresholds: unknown key (nothing is read here: expected an empty object)\n");
  }
}
