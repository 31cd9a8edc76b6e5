// The summary schema (sim/model/summary.hpp): real runs' summary.json against the table, the
// committed experiments/summary.schema.json against the table, and the readers' messages.
#include <catch2/catch.hpp>

#include <fstream>

#include "core/error.hpp"
#include "helpers.hpp"
#include "model/summary.hpp"
#include "io/csv.hpp"
#include <iterator>

using nlohmann::json;
using testing::source_path;
using Catch::Matchers::Contains;

namespace {

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

}  // namespace

TEST_CASE("a SimGrid run's summary.json has exactly the table's fields", "[summary]") {
  auto dir = testing::scratch_dir("summary_simgrid");
  auto r = testing::run_cli("run " + source_path("experiments/quickstart.json") + " -o " + dir +
                            " --set workload.requests=500");
  INFO(r.err);
  REQUIRE(r.status == 0);
  json s = testing::read_json(dir + "/runs/quickstart/summary.json");
  INFO(joined(tiersim::check_summary(s)));
  CHECK(tiersim::check_summary(s).empty());
  CHECK(s["requests"] == 500);
  CHECK(tiersim::has(s, tiersim::summary::latency_p95));
  CHECK_FALSE(tiersim::has(s, tiersim::summary::cost_units));  // no cost section in the quickstart
}

TEST_CASE("a swept analytic run with cost units and policy information matches the table", "[summary]") {
  auto dir = testing::scratch_dir("summary_cost");
  json config = testing::read_json(source_path("experiments/cartography.json"));
  config["trace"] = source_path("traces/fmnist_resnet4.csv.gz");
  config["profile"] = source_path("traces/fmnist_resnet4.profile.json");
  config["platform"] = source_path("platforms/wifi_edge_cloud.xml");
  config["policy"]["params"]["dynamics"] = source_path("traces/fmnist_resnet4.dynamics.csv.gz");
  config["workload"]["requests"] = 300;
  config["sweep"] = {{"grid", {{"cost.offload", {0, 4}}}}};
  auto path = testing::write_config(dir, config);
  auto r = testing::run_cli("run " + path + " -o " + dir + "/out -j 1");
  INFO(r.err);
  REQUIRE(r.status == 0);
  int runs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/out/runs")) {
    json s = testing::read_json((entry.path() / "summary.json").string());
    INFO(entry.path().string() << "\n" << joined(tiersim::check_summary(s)));
    CHECK(tiersim::check_summary(s).empty());
    CHECK(tiersim::has(s, tiersim::summary::cost_units));
    CHECK(tiersim::has(s, tiersim::summary::policy_info));
    CHECK(tiersim::has(s, tiersim::summary::sweep));
    ++runs;
  }
  CHECK(runs == 2);
}

TEST_CASE("check_summary names missing, unknown and mistyped keys by their JSON pointer", "[summary]") {
  auto dir = testing::scratch_dir("summary_check");
  REQUIRE(testing::run_cli("run " + source_path("experiments/quickstart.json") + " -o " + dir +
                           " --set workload.requests=100 --set simulation.engine=analytic")
              .status == 0);
  json s = testing::read_json(dir + "/runs/quickstart/summary.json");
  REQUIRE(tiersim::check_summary(s).empty());
  const std::string first_class = s["by_class"].begin().key();
  s.erase("accuracy");
  s["latency_s"]["p95"] = "fast";
  s["latency_s"]["p42"] = 1.0;
  s["by_class"][first_class]["accuracy"] = true;
  s["a/b"] = 1;
  const auto problems = tiersim::check_summary(s);
  INFO(joined(problems));
  REQUIRE(problems.size() == 5);
  CHECK(problems[0] == "/a~1b: not a summary field (sim/model/summary.hpp)");
  CHECK(problems[1] == "/by_class/" + first_class + "/accuracy: expected a number, got true");
  CHECK(problems[2] == "/latency_s/p42: not a summary field (sim/model/summary.hpp)");
  CHECK(problems[3] == "/latency_s/p95: expected a number, got \"fast\"");
  CHECK(problems[4] == "/accuracy: missing");
}

TEST_CASE("experiments/summary.schema.json is the one the table generates", "[summary]") {
  json committed = testing::read_json(source_path("experiments/summary.schema.json"));
  INFO("regenerate it: build/tiersim schema > experiments/summary.schema.json");
  CHECK(committed == json(tiersim::summary_json_schema()));
  auto r = testing::run_cli("schema");
  REQUIRE(r.status == 0);
  CHECK(json::parse(r.out) == committed);
  // Every field is in the schema once, by its id.
  CHECK(r.out.find("\"x-tiersim-id\": \"latency_p95_s\"") != std::string::npos);
  std::size_t ids = 0;
  for (auto at = r.out.find("\"x-tiersim-id\":"); at != std::string::npos; at = r.out.find("\"x-tiersim-id\":", at + 1))
    ++ids;
  CHECK(ids == tiersim::summary_fields().size());
}

TEST_CASE("compare refuses a summary.json without a field it needs, naming file and pointer", "[summary][compare]") {
  auto dir = testing::scratch_dir("summary_compare");
  REQUIRE(testing::run_cli("run " + source_path("experiments/quickstart.json") + " -o " + dir +
                           " --set workload.requests=100 --set simulation.engine=analytic")
              .status == 0);
  const std::string file = dir + "/runs/quickstart/summary.json";
  json s = testing::read_json(file);
  s["latency_s"].erase("p95");
  testing::write_file(file, s.dump(2));
  auto r = testing::run_cli("compare " + dir);
  CHECK(r.status == 2);
  CHECK(r.err == "tiersim: error: " + file + ": /latency_s/p95: missing (expected a number)\n");
}

TEST_CASE("CSV outputs quote fields with commas, quotes and line breaks (RFC 4180)", "[summary][csv]") {
  // Class names come from the trace's sidecar: "a, b" and say "c" become column names of
  // summary.csv (by_class.*) and must not split its header.
  auto dir = testing::scratch_dir("csv_quoting");
  std::ifstream in(source_path("tests/data/tiny.csv"));
  testing::write_file(dir + "/t.csv", std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  testing::write_file(dir + "/t.json", nlohmann::json{{"dataset", "d"}, {"model", "m"}, {"source", "s"},
                                                      {"classes", {"a, b", "say \"c\"", "c"}},
                                                      {"exits", {"mobile", "edge", "cloud"}}}.dump());
  nlohmann::json config = {{"name", "q"},
                           {"trace", dir + "/t.csv"},
                           {"profile", source_path("tests/data/tiny.profile.json")},
                           {"platform", source_path("tests/data/tiny_platform.xml")},
                           {"policy", {{"name", "max_softmax"}, {"params", {{"thresholds", 0.9}}}}},
                           {"workload", {{"devices", 1}, {"requests", 8}, {"arrival", {{"process", "poisson"}, {"rate_hz", 1}}}}},
                           {"simulation", {{"engine", "analytic"}}}};
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::ifstream csv(dir + "/out/summary.csv");
  std::string header, row, extra;
  std::getline(csv, header);
  std::getline(csv, row);
  CHECK_FALSE(std::getline(csv, extra));  // one row, no line split off
  CHECK(header.find(R"(,"by_class.a, b.requests",)") != std::string::npos);
  CHECK(header.find(R"(,"by_class.say ""c"".accuracy",)") != std::string::npos);
  // Unquoted, the header would have two more commas than the row has fields.
  auto fields = [](const std::string& line) {
    std::size_t n = 1;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) ++n;
    }
    return n;
  };
  CHECK(fields(header) == fields(row));
  CHECK(tiersim::csv_field("plain") == "plain");
  CHECK(tiersim::csv_field("line\nbreak") == "\"line\nbreak\"");
}
