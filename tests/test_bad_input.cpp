// Bad input through the command line: each case exits non-zero with exactly one line on
// stderr that names the file and the line or JSON path, and says what was expected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "helpers.hpp"

using nlohmann::json;
using testing::source_path;
using Catch::Matchers::Contains;

namespace {

const char* kSidecar =
    R"({"dataset": "d", "model": "m", "source": "s", "classes": ["a", "b", "c"], "exits": ["e0", "e1"]})";

// Writes a 2-exit, 3-class trace whose third data row (file line 4) is `bad_row`.
std::string trace_with_row(const std::string& dir, const std::string& bad_row) {
  testing::write_file(dir + "/t.json", kSidecar);
  return testing::write_file(dir + "/t.csv", "sample,exit,label,prediction,confidence\n0,0,1,1,0.9\n0,1,1,1,0.95\n" +
                                                 bad_row + "\n1,1,0,0,0.8\n");
}

void expect_one_line_error(const testing::CliResult& r, const std::vector<std::string>& fragments) {
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.out.empty());
  for (const auto& f : fragments) CHECK_THAT(r.err, Contains(f));
}

json base_config(const std::string& trace, const std::string& profile, const std::string& platform) {
  return {{"name", "bad"},
          {"trace", trace},
          {"profile", profile},
          {"platform", platform},
          {"policy", {{"name", "max_softmax"}, {"params", {{"thresholds", 0.9}}}}},
          {"workload", {{"devices", 1}, {"requests", 10}, {"arrival", {{"process", "poisson"}, {"rate_hz", 1}}}}}};
}

}  // namespace

TEST_CASE("bad trace rows are reported with file and line", "[bad-input][trace]") {
  auto dir = testing::scratch_dir("bad_rows");
  struct Case {
    std::string row, message;
  };
  const std::vector<Case> cases = {
      {"1,0,0,0", "t.csv:4: expected 5 fields as in the header, got 4"},
      {"1,0,0,0,1.5", "t.csv:4: confidence 1.5 is not in [0, 1]"},
      {"1,0,0,0,nan", "t.csv:4: confidence nan is not in [0, 1]"},
      {"1,0,7,0,0.5", "t.csv:4: label 7 is outside the 3 classes (expected 0..2)"},
      {"1,0,0,x,0.5", "t.csv:4: column \"prediction\": expected an integer, got \"x\""},
      {"1,5,0,0,0.5", "t.csv:4: exit index 5 is unknown: the sidecar lists 2 exits (0..1)"},
  };
  for (const auto& c : cases) {
    INFO(c.row);
    auto path = trace_with_row(dir, c.row);
    expect_one_line_error(testing::run_cli("trace info " + path), {c.message});
  }
}

TEST_CASE("a missing trace file or sidecar is named", "[bad-input][trace]") {
  auto dir = testing::scratch_dir("missing");
  expect_one_line_error(testing::run_cli("trace info " + dir + "/none.csv"), {"none.csv: cannot open file"});
  testing::write_file(dir + "/lonely.csv", "sample,exit,label,prediction,confidence\n0,0,0,0,0.5\n");
  expect_one_line_error(testing::run_cli("trace info " + dir + "/lonely.csv"), {"lonely.json: cannot open file"});
  expect_one_line_error(testing::run_cli("validate " + dir + "/none.json"), {"none.json: cannot open file"});
}

TEST_CASE("a config with a typo in a key is rejected with its JSON path", "[bad-input][config]") {
  auto dir = testing::scratch_dir("typo");
  auto config = base_config(source_path("tests/data/tiny.csv"), source_path("tests/data/tiny.profile.json"),
                            source_path("tests/data/tiny_platform.xml"));
  config["workload"]["devcies"] = 3;
  auto path = testing::write_config(dir, config);
  expect_one_line_error(testing::run_cli("validate " + path), {"bad.json: /workload/devcies: unknown key"});
  expect_one_line_error(testing::run_cli("run " + path + " -o " + dir + "/out"), {"/workload/devcies"});
  CHECK_FALSE(std::filesystem::exists(dir + "/out/runs/bad"));
}

TEST_CASE("a trace exit the model profile does not know is rejected", "[bad-input][profile]") {
  auto dir = testing::scratch_dir("profile_exit");
  json profile = testing::read_json(source_path("tests/data/tiny.profile.json"));
  profile["stages"].erase(2);  // stages now end in exits 0 and 1 only
  profile["tiers"]["cloud"]["stages"] = {0, 1};
  testing::write_file(dir + "/p.json", profile.dump());
  auto path = testing::write_config(dir, base_config(source_path("tests/data/tiny.csv"), dir + "/p.json",
                                                     source_path("tests/data/tiny_platform.xml")));
  expect_one_line_error(testing::run_cli("validate " + path), {"p.json", "has exit 2 that no stage or full model"});
  profile = testing::read_json(source_path("tests/data/tiny.profile.json"));
  profile["stages"][2]["exit"] = 7;
  testing::write_file(dir + "/p7.json", profile.dump());
  path = testing::write_config(dir, base_config(source_path("tests/data/tiny.csv"), dir + "/p7.json",
                                                source_path("tests/data/tiny_platform.xml")));
  expect_one_line_error(testing::run_cli("validate " + path), {"p7.json: uses exit 7", "only 3 exits"});
}

TEST_CASE("a platform without a host of a needed role is rejected", "[bad-input][platform]") {
  auto dir = testing::scratch_dir("no_cloud");
  // The queueing platform has a phone and an edge server but no cloud; the tiny profile needs one.
  auto path = testing::write_config(dir, base_config(source_path("tests/data/tiny.csv"),
                                                     source_path("tests/data/tiny.profile.json"),
                                                     source_path("tests/data/queue_platform.xml")));
  expect_one_line_error(testing::run_cli("validate " + path),
                        {"queue_platform.xml: no host with property role=\"cloud\"", "tiny.profile.json"});
  auto many = base_config(source_path("tests/data/tiny.csv"), source_path("tests/data/tiny.profile.json"),
                          source_path("tests/data/tiny_platform.xml"));
  many["workload"]["devices"] = 3;
  path = testing::write_config(dir, many);
  expect_one_line_error(testing::run_cli("validate " + path),
                        {"/workload/devices: expected at most the 2 mobile hosts of", "got 3"});
}

TEST_CASE("a broken platform file is reported, not crashed on", "[bad-input][platform]") {
  auto dir = testing::scratch_dir("broken_platform");
  testing::write_file(dir + "/p.xml", "<?xml version='1.0'?>\n<platform version=\"4.1\">\n<zone id=\"w\" routing=\"Full\">\n<host id=\"a\" speed=\"fast\"/>\n</zone>\n</platform>\n");
  auto path = testing::write_config(dir, base_config(source_path("tests/data/tiny.csv"),
                                                     source_path("tests/data/tiny.profile.json"), dir + "/p.xml"));
  expect_one_line_error(testing::run_cli("validate " + path), {"p.xml"});
}

// The serving layer's settings: each refused with the config file, its JSON path and what was expected.
TEST_CASE("bad server, batching, deadline and failure settings are refused with their JSON path",
          "[bad-input][serving]") {
  const auto dir = testing::scratch_dir("bad_serving");
  const std::string profile_path = dir + "/p.json";
  auto profile_with = [&](const json& batch_latency) {
    json stage = {{"name", "all"}, {"macs", 1e7}, {"bits", 32}, {"exit", 0}, {"output_bytes", 0},
                  {"batch_latency_s", batch_latency}};
    testing::write_file(profile_path, json{{"name", "p"}, {"input_bytes", 0}, {"stages", {stage}},
                                            {"tiers", {{"edge", {{"stages", {0, 0}}}}}}}
                                          .dump());
  };
  profile_with(json::array({0.01, 0.02}));
  struct Case {
    std::string name;
    json servers, workload_extra;
    std::string engine;
    std::vector<std::string> fragments;
  };
  const std::vector<Case> cases = {
      {"host", {{"hosts", {{"phone-0", {{"workers", 2}}}}}}, {}, "simgrid",
       {"/servers/hosts/phone-0: expected the name or glob of an edge or cloud host"}},
      {"two-globs", {{"hosts", {{"edge-*", {{"workers", 2}}}, {"*-a", {{"workers", 3}}}}}}, {}, "simgrid",
       {"/servers/hosts: host edge-a matches both"}},
      {"batch0", {{"edge", {{"max_batch", 0}}}}, {}, "simgrid", {"/servers/edge/max_batch: expected an integer from 1 to"}},
      {"batch-too-big", {{"edge", {{"max_batch", 4}}}}, {}, "simgrid",
       {"server edge-a batches up to max_batch = 4 but", "lists batch_latency_s only up to b = 2"}},
      {"deadline", {}, {{"deadline_s", 0}}, "simgrid", {"/workload/deadline_s: expected a deadline > 0 seconds"}},
      {"drop-without-deadline", {}, {{"drop_expired", true}}, "simgrid",
       {"/workload/drop_expired: expected drop_expired only with workload.deadline_s"}},
      {"failure-host", {{"failures", {{{"host", "phone-0"}, {"at_s", 1}, {"for_s", 1}}}}}, {}, "simgrid",
       {"/servers/failures/0/host: expected an edge or cloud host of the platform, got \"phone-0\""}},
      {"failure-overlap",
       {{"failures", {{{"host", "edge-a"}, {"at_s", 1}, {"for_s", 2}}, {{"host", "edge-a"}, {"at_s", 2}, {"for_s", 1}}}}},
       {}, "simgrid", {"/servers/failures: the failures of edge-a at 1 s and 2 s overlap"}},
      {"failure-analytic", {{"failures", {{{"host", "edge-a"}, {"at_s", 1}, {"for_s", 1}}}}}, {}, "analytic",
       {"/servers/failures: the analytic engine does not model server failures"}},
      {"rule", {{"selection", {{"rule", "least_loaded"}, {"k", 2}}}}, {}, "simgrid", {"/servers/selection", "k"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    json config = base_config(source_path("tests/data/queue.csv"), profile_path, source_path("tests/data/serving_platform.xml"));
    config["policy"] = {{"name", "all-on-edge"}};
    if (!c.servers.is_null()) config["servers"] = c.servers;
    if (!c.workload_extra.is_null()) config["workload"].update(c.workload_extra);
    config["simulation"] = {{"engine", c.engine}};
    auto fragments = c.fragments;
    fragments.push_back("bad.json");
    expect_one_line_error(testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out-" + c.name),
                          fragments);
  }
  // Batched-latency tables: not increasing, not starting at b = 1.
  const std::vector<std::pair<json, std::string>> tables = {
      {json::array({0.02, 0.01}), "/stages/0/batch_latency_s/1: expected a latency increasing in b"},
      {json{{"batch", {2, 4}}, {"seconds", {0.01, 0.02}}}, "/stages/0/batch_latency_s/batch/0: expected the table to start at b = 1"},
      {json{{"batch", {1, 4}}, {"seconds", {0.01}}}, "/stages/0/batch_latency_s/seconds: expected as many latencies as batch sizes (2)"},
  };
  for (const auto& [table, message] : tables) {
    INFO(message);
    profile_with(table);
    json config = base_config(source_path("tests/data/queue.csv"), profile_path, source_path("tests/data/serving_platform.xml"));
    config["policy"] = {{"name", "all-on-edge"}};
    expect_one_line_error(testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out-table"),
                          {"p.json", message});
  }
}

// Issue 17, finding 1: a run named ".." made the run's folder the results directory itself, and
// replacing it deleted that directory. Names are now letters, digits, '.', '_', '-', no leading '.'.
TEST_CASE("run names that are not plain file names are refused and nothing is deleted", "[bad-input][config]") {
  auto dir = testing::scratch_dir("names");
  std::filesystem::create_directories(dir + "/out");
  testing::write_file(dir + "/out/keep.txt", "mine");
  REQUIRE(std::filesystem::exists(dir + "/out/keep.txt"));
  for (const std::string name : {"..", ".", ".hidden", "a,b", "a\"b", "x\ny", "a/b", "a b", ""}) {
    INFO("name " << json(name).dump());
    auto config = base_config(source_path("tests/data/tiny.csv"), source_path("tests/data/tiny.profile.json"),
                              source_path("tests/data/tiny_platform.xml"));
    config["name"] = name;
    const std::string path = testing::write_file(dir + "/c.json", config.dump());
    expect_one_line_error(testing::run_cli("run " + path + " -o " + dir + "/out --force"),
                          {"c.json: /name: expected a name of at most 200 letters, digits, '.', '_' and '-', not starting with '.'"});
    CHECK(std::filesystem::exists(dir + "/out/keep.txt"));
  }
}

// Issue 17, findings 3-5: inputs that crashed, allocated without bound or were silently
// truncated, each now one line naming file and line (or JSON path), exit 2.
TEST_CASE("empty imports, NUL bytes, huge labels and huge device counts are refused, not crashed on",
          "[bad-input][trace]") {
  auto dir = testing::scratch_dir("hostile");
  auto import = [&](const std::string& format, const std::string& text) {
    testing::write_file(dir + "/in.csv", text);
    return testing::run_cli("trace import " + dir + "/in.csv -o " + dir + "/out.csv --format " + format +
                            " --dataset d --model m --source s");
  };
  const std::string wide_header =
      ",device,target,class_name,conf_branch_1,correct_branch_1,delta_inf_time_branch_1,cum_inf_time_branch_1,"
      "prediction_branch_1\n";
  // A header and no rows: segfaulted (maxCoeff of an empty array).
  expect_one_line_error(import("long", "Sample_ID,Exit,Confidence,Prediction,Label\n"), {"in.csv: no data rows"});
  expect_one_line_error(import("wide", wide_header), {"in.csv: no data rows"});
  // A label of 2 000 000 000 made one class name per class up to it (memory exhausted).
  expect_one_line_error(import("long", "Sample_ID,Exit,Confidence,Prediction,Label\n0,0,0.5,0,2000000000\n"),
                        {"in.csv:2: label 2000000000: expected an integer from 0 to 99999"});
  expect_one_line_error(import("wide", wide_header + "0,cpu,4294967296,x,0.5,1,0.01,0.01,0\n"),
                        {"in.csv:2: label 4294967296: expected an integer from 0 to 99999"});
  // A line starting with a NUL byte: read out of bounds, and merged lines.
  expect_one_line_error(import("long", std::string("Sample_ID,Exit,Confidence,Prediction,Label\n0,0,0.5,0,1\n") +
                                           std::string(1, '\0') + "1,0,0.5,0,1\n"),
                        {"in.csv:3: a NUL byte (expected a text CSV file)"});
  // A file with no newline is not read whole.
  expect_one_line_error(import("long", "Sample_ID,Exit,Confidence,Prediction,Label\n" + std::string(1100000, '1')),
                        {"in.csv:2: line longer than 1048576 bytes"});
  // A trace label beyond int range became class 0.
  testing::write_file(dir + "/t.json", kSidecar);
  testing::write_file(dir + "/t.csv", "sample,exit,label,prediction,confidence\n0,0,4294967296,1,0.9\n");
  expect_one_line_error(testing::run_cli("trace info " + dir + "/t.csv"),
                        {"t.csv:2: label 4294967296: expected an integer from -2147483648 to 2147483647"});
  // devices = 4294967297 ran 1 device while config.json recorded the original.
  auto config = base_config(source_path("tests/data/tiny.csv"), source_path("tests/data/tiny.profile.json"),
                            source_path("tests/data/tiny_platform.xml"));
  config["workload"]["devices"] = 4294967297LL;
  expect_one_line_error(testing::run_cli("validate " + testing::write_config(dir, config)),
                        {"bad.json: /workload/devices: expected at most 10 000 000 devices, got 4294967297"});
}

TEST_CASE("a platform without a route the run needs is refused before anything runs", "[bad-input][platform]") {
  // SimGrid aborts on a transfer without a route (status 134, a .partial left behind), and a
  // lone flow over an empty route takes no time in the analytic engine: both are refused first.
  auto dir = testing::scratch_dir("no_route");
  std::ifstream in(source_path("tests/data/tiny_platform.xml"));
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), cut;
  std::istringstream lines(xml);
  for (std::string line; std::getline(lines, line);)
    if (line.find("<route src=\"phone-1\" dst=\"edge-0\">") == std::string::npos) cut += line + "\n";
  testing::write_file(dir + "/p.xml", cut);
  auto config = base_config(source_path("tests/data/tiny.csv"), source_path("tests/data/tiny.profile.json"), dir + "/p.xml");
  config["policy"] = {{"name", "all-on-edge"}};
  config["workload"]["devices"] = 2;
  for (const std::string engine : {"simgrid", "analytic"}) {
    config["simulation"]["engine"] = engine;
    auto path = testing::write_config(dir, config);
    expect_one_line_error(testing::run_cli("run " + path + " -o " + dir + "/out_" + engine),
                          {"p.xml: no route from phone-1 to edge-0, which the run sends data between"});
    CHECK_FALSE(std::filesystem::exists(dir + "/out_" + engine + "/runs/bad.partial"));
  }
  // One device (phone-0) has every route it needs.
  config["workload"]["devices"] = 1;
  auto ok = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out_one");
  INFO(ok.err);
  CHECK(ok.status == 0);
}

TEST_CASE("a missing column is named with a short list of the columns there are", "[bad-input][trace]") {
  // A 5 001-column header (one name of 100 characters) once went whole into the error line.
  auto dir = testing::scratch_dir("wide_header");
  std::string header, row;
  for (int i = 0; i < 5000; ++i) {
    header += "c" + std::to_string(i) + ",";
    row += "1,";
  }
  header += std::string(100, 'x');
  row += "1";
  testing::write_file(dir + "/wide.csv", header + "\n" + row + "\n");
  auto r = testing::run_cli("trace import " + dir + "/wide.csv --format long -o " + dir + "/out.csv --dataset d --model m --source s");
  expect_one_line_error(r, {"wide.csv:1: expected a column \"Sample_ID\" in the header (has: c0, c1, c2, ",
                            "c11, ... 4989 more)"});
  CHECK(r.err.size() < 300);
}

TEST_CASE("what the fuzzers found is refused with one line: number overflow, deep nesting, bad UTF-8, float ids",
          "[bad-input][fuzz]") {
  // Each was an uncaught exception or undefined behaviour (tests/fuzz/corpus/*/regress_*).
  auto dir = testing::scratch_dir("fuzz_found");
  auto config = base_config(source_path("tests/data/tiny.csv"), source_path("tests/data/tiny.profile.json"),
                            source_path("tests/data/tiny_platform.xml"));
  const std::string good = testing::write_config(dir, config);
  // A number beyond double's range in a JSON file (a sidecar here) escaped as json::out_of_range.
  testing::write_file(dir + "/t.json", R"({"dataset": -2E1254})");
  testing::write_file(dir + "/t.csv", "sample,exit,label,prediction,confidence\n0,0,1,1,0.9\n");
  expect_one_line_error(testing::run_cli("trace info " + dir + "/t.csv"),
                        {"t.json: invalid JSON: number overflow parsing '-2E1254' (expected numbers within double's "
                         "range)"});
  // A config nested 100 000 deep would overflow the stack when dumped or hashed.
  testing::write_file(dir + "/deep.json", std::string(100000, '['));
  expect_one_line_error(testing::run_cli("validate " + dir + "/deep.json"),
                        {"deep.json: invalid JSON: nested deeper than 64 levels (the most tiersim reads)"});
  expect_one_line_error(testing::run_cli("validate " + good + " --set 'a=" + std::string(70, '[') +
                                         std::string(70, ']') + "'"),
                        {"--set a: invalid JSON: nested deeper than 64 levels (the most tiersim reads)"});
  // A --set key or bare value that is not UTF-8 made writing the config throw json::type_error.
  expect_one_line_error(testing::run_cli("validate " + good + " --set $(printf 'workload.devi\\253es=3')"),
                        {"--set: expected PATH=VALUE in UTF-8 (the text is not valid UTF-8)"});
  // A data map's guid of 1.4e92 was converted to long long (undefined behaviour).
  testing::write_file(dir + "/d.jsonl", R"({"guid": 1.4444444444444444e+92, "confidence": 0.5, "variability": 0.1})"
                                        "\n");
  config["policy"] = {{"name", "dimec_dc"}, {"params", {{"dynamics", dir + "/d.jsonl"}}}};
  expect_one_line_error(testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out"),
                        {"d.jsonl:1: guid 1.4444444444444444e+92: expected an integer sample id"});
  // A guid nested 400 000 deep (found in review, not by the fuzzers' 4 KiB inputs) overflowed the
  // stack when dumped for that message: a data map's lines are bounded in depth like config files.
  testing::write_file(dir + "/d.jsonl", "{\"guid\": " + std::string(400000, '[') + std::string(400000, ']') +
                                            ", \"confidence\": 0.5, \"variability\": 0.1}\n");
  expect_one_line_error(testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out2"),
                        {"d.jsonl:1: invalid JSON: nested deeper than 64 levels (the most tiersim reads)"});
}

TEST_CASE("implausible platform and profile values are warnings: printed once, recorded, the run goes on",
          "[bad_input][warnings]") {
  auto dir = testing::scratch_dir("implausible");
  // The tiny platform with a 20 W radio, and its profile with a 2e12-MAC last stage.
  std::string xml = testing::read_text(source_path("tests/data/tiny_platform.xml"));
  for (auto at = xml.find("\"radio_tx_w\" value=\"1.0\""); at != std::string::npos;
       at = xml.find("\"radio_tx_w\" value=\"1.0\"", at))
    xml.replace(at, 24, "\"radio_tx_w\" value=\"20\"");
  testing::write_file(dir + "/p.xml", xml);
  auto profile = testing::read_json(source_path("tests/data/tiny.profile.json"));
  profile["stages"][2]["macs"] = 2e12;
  testing::write_file(dir + "/profile.json", profile.dump());
  json config = {{"name", "odd"},
                 {"trace", source_path("tests/data/tiny.csv")},
                 {"profile", dir + "/profile.json"},
                 {"platform", dir + "/p.xml"},
                 {"policy", {{"name", "all-on-mobile"}}},
                 {"workload", {{"devices", 2}, {"requests", 4}, {"arrival", {{"process", "poisson"}, {"rate_hz", 1}}}}},
                 {"network", {{"link_bandwidth_Bps", {{"radio*", 100}}}}},
                 {"simulation", {{"engine", "analytic"}}}};
  const std::string expected =
      "tiersim: warning: " + dir + "/p.xml: link radio0 has bandwidth 100 B/s (and 1 more links) below 1 kB/s "
      "(SimGrid reads bandwidth in bytes/s: \"12.5MBps\" is 100 Mb/s)\n"
      "tiersim: warning: " + dir + "/p.xml: host phone-0 has radio_tx_w = 20 W (and 1 more values) above 10 W for a "
      "device radio\n"
      "tiersim: warning: " + dir + "/profile.json: stage s2 has 2e+12 MACs, above 10^12 for one sample (is the unit "
      "MACs?)\n";
  auto path = testing::write_config(dir, config);
  auto validate = testing::run_cli("validate " + path);
  CHECK(validate.status == 0);
  CHECK(validate.err == expected);
  auto run = testing::run_cli("run " + path + " -o " + dir + "/out");
  CHECK(run.status == 0);
  CHECK(run.err == expected);
  json s = testing::read_json(dir + "/out/runs/odd/summary.json");
  REQUIRE(s["warnings"].size() == 3);
  // A sweep prints each once, with how many points had it.
  config["sweep"] = {{"grid", {{"workload.devices", {1, 2}}}}};
  auto sweep = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/sweep -j 2");
  CHECK(sweep.status == 0);
  CHECK_THAT(sweep.err, Contains("MACs?) (2 of the 2 points run)\n"));
  CHECK(std::count(sweep.err.begin(), sweep.err.end(), '\n') == 3);
}

// The findings are kept with the loaded platform between the runs that share it (scanning 10 000
// phones per run was half of an analytic sweep), and follow each point's bandwidth override: of
// three points run by one worker, only the one with 100 B/s radios warns about them.
TEST_CASE("implausible link findings follow each point's bandwidth override within one worker", "[bad_input][warnings]") {
  auto dir = testing::scratch_dir("implausible_sweep");
  json config = {{"name", "bw"},
                 {"trace", source_path("tests/data/tiny.csv")},
                 {"profile", source_path("tests/data/tiny.profile.json")},
                 {"platform", source_path("tests/data/tiny_platform.xml")},
                 {"policy", {{"name", "all-on-mobile"}}},
                 {"workload", {{"devices", 2}, {"requests", 4}, {"arrival", {{"process", "poisson"}, {"rate_hz", 1}}}}},
                 {"network", {{"link_bandwidth_Bps", {{"radio*", 1e6}}}}},
                 {"simulation", {{"engine", "analytic"}}},
                 {"sweep", {{"grid", {{"network.link_bandwidth_Bps.radio*", {1e6, 100, 2e6}}}}}}};
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out -j 1");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.err, Contains("below 1 kB/s (SimGrid reads bandwidth in bytes/s: \"12.5MBps\" is 100 Mb/s) (1 of the 3 points run)\n"));
  int warned = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/out/runs")) {
    json s = testing::read_json(entry.path().string() + "/summary.json");
    const bool slow = s["warnings"].dump().find("below 1 kB/s") != std::string::npos;
    CHECK(slow == (s["sweep"]["network.link_bandwidth_Bps.radio*"].get<double>() == 100));
    warned += slow;
  }
  CHECK(warned == 1);
}
