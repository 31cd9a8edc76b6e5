// Sweeps and the parallel runner: expansion, stable ids, -j independence, resume, failures,
// sharding, and the errors for bad sweeps and reused directories.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>

#include "core/error.hpp"
#include "helpers.hpp"
#include "batch/sweep.hpp"

using nlohmann::json;
using testing::source_path;
using Catch::Matchers::Contains;

namespace {

json base() {
  return {{"name", "sw"},
          {"trace", source_path("traces/sst2_bert12.csv")},
          {"profile", source_path("traces/sst2_bert12.profile.json")},
          {"platform", source_path("platforms/wifi_edge_cloud.xml")},
          {"policy", {{"name", "entropy"}, {"params", {{"thresholds", 0.2}}}}},
          {"workload", {{"devices", 4}, {"requests", 2000}, {"arrival", {{"process", "poisson"}, {"rate_hz", 1}}}}}};
}

json with_sweep(json config, json sweep) {
  config["sweep"] = std::move(sweep);
  return config;
}

// Every run's summary.json without its wall time, by run id.
std::map<std::string, std::string> summaries(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/runs")) {
    if (!entry.is_directory()) continue;
    std::ifstream in(entry.path() / "summary.json");
    std::string line, text;
    while (std::getline(in, line))
      if (line.find("\"wall_time_s\"") == std::string::npos) text += line + "\n";
    out[entry.path().filename().string()] = text;
  }
  return out;
}

}  // namespace

TEST_CASE("a sweep expands grids, zipped lists and seeds into points with stable ids", "[sweep]") {
  auto config = with_sweep(base(), {{"grid", {{"policy.params.thresholds", {{"linspace", {0, 0.6, 4}}}}}},
                                    {"zip", {{"workload.devices", {2, 4}}, {"workload.arrival.rate_hz", {2, 1}}}},
                                    {"seeds", 3}});
  auto points = tiersim::expand_sweep(config, "c.json");
  REQUIRE(points.size() == 4 * 2 * 3);
  std::set<std::string> ids;
  for (const auto& p : points) ids.insert(p.id);
  CHECK(ids.size() == points.size());
  CHECK(points[0].config["policy"]["params"]["thresholds"] == 0.0);
  CHECK(points[0].config["workload"]["devices"] == 2);
  CHECK(points[0].config["workload"]["arrival"]["rate_hz"] == 2);
  CHECK(points[0].config["simulation"]["seed"] == 1);
  CHECK(points[2].config["simulation"]["seed"] == 3);
  CHECK(points[3].config["workload"]["devices"] == 4);  // zip moves both keys together
  CHECK(points[3].config["workload"]["arrival"]["rate_hz"] == 1);
  CHECK(points[23].config["policy"]["params"]["thresholds"].get<double>() == Approx(0.6));
  CHECK_FALSE(points[0].config.contains("sweep"));
  CHECK(points[0].values["workload.devices"] == 2);
  // Same config -> same ids; a different base value -> different ids.
  CHECK(tiersim::expand_sweep(config, "c.json")[5].id == points[5].id);
  config["workload"]["requests"] = 3000;
  CHECK(tiersim::expand_sweep(config, "c.json")[5].id != points[5].id);
}

TEST_CASE("ranges: range excludes its stop, linspace and logspace include both ends", "[sweep]") {
  auto values = [](json spec) {
    std::vector<json> out;
    for (const auto& p : tiersim::expand_sweep(with_sweep(base(), {{"grid", {{"workload.devices", spec}}}}), "c.json"))
      out.push_back(p.config["workload"]["devices"]);
    return out;
  };
  CHECK(values({{"range", {1, 10, 4}}}) == std::vector<json>{1, 5, 9});
  auto rates = tiersim::expand_sweep(
      with_sweep(base(), {{"grid", {{"workload.arrival.rate_hz", {{"logspace", {-1, 1, 3}}}}}}}), "c.json");
  REQUIRE(rates.size() == 3);
  CHECK(rates[0].config["workload"]["arrival"]["rate_hz"].get<double>() == Approx(0.1));
  CHECK(rates[2].config["workload"]["arrival"]["rate_hz"].get<double>() == Approx(10));
}

TEST_CASE("a list of sweeps joins their points, each with its own fixed values", "[sweep]") {
  json parts = json::array();
  parts.push_back({{"set", {{"policy", {{"name", "all-in-cloud"}}}}}});
  parts.push_back({{"set", {{"policy", {{"name", "max_softmax"}, {"params", {{"thresholds", 0.9}}}}}}},
                   {"grid", {{"policy.params.thresholds", {0.8, 0.9}}}}});
  parts.push_back({{"grid", {{"policy.params.thresholds", {0.1, 0.2, 0.3}}}}});  // the base policy (entropy)
  auto points = tiersim::expand_sweep(with_sweep(base(), parts), "c.json");
  REQUIRE(points.size() == 1 + 2 + 3);
  CHECK(points[0].config["policy"] == json{{"name", "all-in-cloud"}});
  CHECK(points[1].config["policy"]["name"] == "max_softmax");
  CHECK(points[2].config["policy"]["params"]["thresholds"] == 0.9);
  CHECK(points[3].config["policy"]["name"] == "entropy");
  CHECK(points[5].config["policy"]["params"]["thresholds"] == 0.3);
  CHECK_FALSE(points[1].values.contains("policy"));  // a whole object is in config.json, not a column
  CHECK(points[1].values["policy.params.thresholds"] == 0.8);
  // Errors name the part: /sweep/<index>/...
  json bad = json::array({parts[0], {{"grid", {{"workload.devcies", {1, 2}}}}}});
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), bad), "c.json"),
                    Contains("c.json: /sweep/1/grid/workload.devcies: \"workload.devcies\" names no config key"));
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), json::array()), "c.json"),
                    Contains("/sweep: expected at least one sweep object"));
}

TEST_CASE("bad sweeps are refused with their /sweep path", "[sweep][bad-input]") {
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), {{"grid", {{"workload.devcies", {1, 2}}}}}), "c.json"),
                    Contains("c.json: /sweep/grid/workload.devcies: \"workload.devcies\" names no config key"));
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), {{"grid", {{"workload.devices", {{"range", {5, 1, 1}}}}}}}), "c.json"),
                    Contains("/sweep/grid/workload.devices: expected at least one value (this range is empty)"));
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), {{"zip", {{"workload.devices", {1, 2}}, {"workload.requests", {5}}}}}), "c.json"),
                    Contains("/sweep/zip/workload.requests: expected 2 values like the other zipped keys, got 1"));
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), {{"grid", {{"workload.devices", {0, 1}}}}}), "c.json"),
                    Contains("a value of \"workload.devices\" is not valid"));
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), {{"seeds", 0}}), "c.json"), Contains("/sweep/seeds"));
  // Expansions that would exhaust memory are refused before anything is built.
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), {{"seeds", 100000000}}), "c.json"),
                    Contains("c.json: /sweep: expected at most 1000000 points, got 1e+08"));
  CHECK_THROWS_WITH(
      tiersim::expand_sweep(with_sweep(base(), {{"grid", {{"workload.requests", {{"range", {1, 1000000000000000LL, 1}}}}}}}), "c.json"),
      Contains("/sweep/grid/workload.requests/range: expected at most 1000000 values, got a range of 1e+15"));
  CHECK_THROWS_WITH(
      tiersim::expand_sweep(with_sweep(base(), {{"grid", {{"workload.requests", {{"linspace", {1, 100, 2000000}}}}}}}), "c.json"),
      Contains("/sweep/grid/workload.requests/linspace/2: expected at most 1000000 values, got 2000000"));
  CHECK_THROWS_WITH(tiersim::expand_sweep(with_sweep(base(), {{"grid", {{"workload.requests", {{"range", {1, 1001, 1}}}},
                                                                        {"workload.devices", {{"range", {1, 1001, 1}}}}}},
                                                              {"seeds", 2}}),
                                          "c.json"),
                    Contains("/sweep: expected at most 1000000 points, got 2e+06 (grid product x zip x seeds)"));
}

TEST_CASE("parallel and serial runs give identical summaries and resume reruns only what is missing", "[sweep][runner]") {
  auto dir = testing::scratch_dir("runner");
  auto path = testing::write_config(dir, with_sweep(base(), {{"grid", {{"policy.params.thresholds", {0.1, 0.3, 0.5}}}},
                                                             {"zip", {{"simulation.engine", {"analytic", "simgrid"}}}}}));
  auto serial = testing::run_cli("run " + path + " -o " + dir + "/j1 -j 1");
  auto parallel = testing::run_cli("run " + path + " -o " + dir + "/j2 -j 2");
  INFO(serial.err << parallel.err);
  REQUIRE(serial.status == 0);
  REQUIRE(parallel.status == 0);
  auto a = summaries(dir + "/j1"), b = summaries(dir + "/j2");
  CHECK(a.size() == 6);
  CHECK(a == b);
  // Lose one point, as a killed run would; resume runs it alone and the summary is the same.
  std::filesystem::remove_all(dir + "/j2/runs/" + a.begin()->first);
  auto resumed = testing::run_cli("run " + path + " -o " + dir + "/j2 -j 2 --resume");
  CHECK_THAT(resumed.out, Contains("6 points: 1 run, 5 already complete, 0 failed"));
  CHECK(summaries(dir + "/j2") == a);
  std::ifstream csv1(dir + "/j1/summary.csv"), csv2(dir + "/j2/summary.csv");
  std::string l1, l2;
  int rows = 0;
  while (std::getline(csv1, l1) && std::getline(csv2, l2)) ++rows;
  CHECK(rows == 7);
  // Another config into the same directory is refused unless forced.
  auto other = base();
  other["workload"]["requests"] = 100;
  auto other_path = testing::write_file(dir + "/other.json", other.dump());
  auto refused = testing::run_cli("run " + other_path + " -o " + dir + "/j1");
  CHECK(refused.status == 2);
  CHECK_THAT(refused.err, Contains("holds the results of a different config"));
  CHECK(testing::run_cli("run " + other_path + " -o " + dir + "/j1 --force").status == 0);
}

TEST_CASE("a failing point is reported by id and does not stop the others", "[sweep][runner]") {
  auto dir = testing::scratch_dir("runner_fail");
  auto config = with_sweep(base(), {{"grid", {{"workload.devices", {2, 20000}}}}});  // the platform has 10 000 phones
  auto path = testing::write_config(dir, config);
  auto r = testing::run_cli("run " + path + " -o " + dir + "/out -j 2");
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Contains("2 points: 2 run, 0 already complete, 1 failed"));
  CHECK_THAT(r.err, Contains("expected at most the 10000 mobile hosts"));
  CHECK(summaries(dir + "/out").size() == 1);
}

TEST_CASE("shards are disjoint and together cover every point", "[sweep][runner]") {
  auto dir = testing::scratch_dir("shards");
  auto path = testing::write_config(dir, with_sweep(base(), {{"grid", {{"policy.params.thresholds", {0.1, 0.2, 0.3, 0.4, 0.5}}}},
                                                             {"zip", {{"simulation.engine", {"analytic"}}}}}));
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/all -j 2").status == 0);
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/shared -j 1 --shard 0/2").status == 0);
  CHECK(summaries(dir + "/shared").size() == 3);
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/shared -j 1 --shard 1/2").status == 0);
  CHECK(summaries(dir + "/shared") == summaries(dir + "/all"));
  auto bad = testing::run_cli("run " + path + " -o " + dir + "/x --shard 2/2");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Contains("--shard: expected 0 <= I < N, got 2/2"));
  CHECK_THAT(testing::run_cli("run " + path + " -o " + dir + "/x --shard 0/0").err, Contains("expected N >= 1 shards"));
  CHECK_THAT(testing::run_cli("run " + path + " -o " + dir + "/x --shard two").err, Contains("expected I/N"));
}

TEST_CASE("compare tabulates runs per policy and marks the Pareto-optimal ones", "[compare]") {
  auto dir = testing::scratch_dir("compare");
  auto config = with_sweep(base(), {{"zip", {{"policy", {json{{"name", "all-on-mobile"}}, json{{"name", "all-on-edge"}},
                                                          json{{"name", "oracle"}}, json{{"name", "entropy"}, {"params", {{"thresholds", 0.0}}}}}}}},
                                    {"grid", {{"simulation.engine", {"analytic"}}}}});
  auto path = testing::write_config(dir, config);
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/out -j 2").status == 0);
  auto r = testing::run_cli("compare " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("## oracle"));
  auto rows = testing::read_csv(dir + "/out/compare.csv");
  REQUIRE(rows.size() == 5);
  const auto& h = rows[0];
  auto col = [&](const std::string& name) {
    auto it = std::find(h.begin(), h.end(), name);
    REQUIRE(it != h.end());
    return static_cast<std::size_t>(it - h.begin());
  };
  const auto accuracy = col("accuracy_mean"), energy = col("energy_j_per_inference_mean"),
             front = col("pareto_accuracy_energy");
  std::map<std::string, std::vector<std::string>> by_policy;
  for (std::size_t i = 1; i < rows.size(); ++i) by_policy[rows[i][0]] = rows[i];
  REQUIRE(by_policy.size() == 4);
  // The oracle is the most accurate: on the front. The never-exit-early entropy run answers like
  // all-on-edge (the final exit) but sends a 393 kB activation instead of the raw input: dominated.
  CHECK(by_policy["oracle"][front] == "1");
  CHECK(by_policy["entropy"][front] == "0");
  CHECK(std::stod(by_policy["oracle"][accuracy]) >= std::stod(by_policy["entropy"][accuracy]));
  // The cheapest run is on the accuracy-energy front whatever its accuracy.
  auto cheapest = std::min_element(rows.begin() + 1, rows.end(),
                                   [&](auto& a, auto& b) { return std::stod(a[energy]) < std::stod(b[energy]); });
  CHECK((*cheapest)[front] == "1");
  auto empty = testing::scratch_dir("compare_empty");
  auto none = testing::run_cli("compare " + empty);
  CHECK(none.status == 2);
  CHECK_THAT(none.err, Contains("no completed runs under runs/ to compare"));
}

TEST_CASE("shards run in separate directories merge into the full result", "[sweep][merge]") {
  auto dir = testing::scratch_dir("merge");
  auto path = testing::write_config(dir, with_sweep(base(), {{"grid", {{"policy.params.thresholds", {0.1, 0.2, 0.3}}}},
                                                             {"zip", {{"simulation.engine", {"analytic"}}}}}));
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/all").status == 0);
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/s0 --shard 0/2").status == 0);
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/s1 --shard 1/2").status == 0);
  auto m = testing::run_cli("merge " + dir + "/merged " + dir + "/s0 " + dir + "/s1");
  INFO(m.err);
  REQUIRE(m.status == 0);
  CHECK_THAT(m.out, Contains("3 runs copied in"));
  CHECK(summaries(dir + "/merged") == summaries(dir + "/all"));
  CHECK(testing::read_csv(dir + "/merged/summary.csv").size() == 4);
}

TEST_CASE("slurm writes a job array over shards and a merge that depends on it", "[slurm]") {
  auto dir = testing::scratch_dir("slurm");
  auto path = testing::write_config(dir, with_sweep(base(), {{"seeds", 5}}));
  auto r = testing::run_cli("slurm " + path + " -o " + dir + "/out --array 3 --cpus 2 --partition short --account "
                            "proj42 --qos normal --mem 4G --constraint 'skylake|icelake'");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("5 points in 3 array tasks"));
  const std::string script = testing::read_text(dir + "/out/tiersim.sbatch");
  CHECK_THAT(script, Contains("#SBATCH --array=0-2\n#SBATCH --cpus-per-task=2\n#SBATCH --time=01:00:00\n"
                              "#SBATCH --partition=short\n#SBATCH --account=proj42\n#SBATCH --qos=normal\n"
                              "#SBATCH --mem=4G\n#SBATCH --constraint=skylake|icelake\n"));
  // The task runs the copy of the config inside the results directory, not the submitter's path.
  CHECK_THAT(script, Contains("run '" + dir + "/out/inputs/config.json' -o '" + dir +
                              "/out' -j 2 --resume --shard \"$SLURM_ARRAY_TASK_ID/3\""));
  CHECK_THAT(testing::read_text(dir + "/out/merge.sbatch"), Contains("#SBATCH --account=proj42\n"));
  CHECK_THAT(testing::read_text(dir + "/out/submit.sh"), Contains("--dependency=afterany:"));
  // The copied config names the copies; experiment.json has their sha256 and the shards.
  const json copied = testing::read_json(dir + "/out/inputs/config.json");
  CHECK(copied["trace"] == "sst2_bert12.csv");
  CHECK(copied["profile"] == "sst2_bert12.profile.json");
  CHECK(copied["platform"] == "wifi_edge_cloud.xml");
  const json experiment = testing::read_json(dir + "/out/experiment.json");
  const json& hashes = experiment["x-tiersim"]["inputs_sha256"];
  CHECK(experiment["x-tiersim"]["shards"] == 3);
  for (const char* file : {"config.json", "sst2_bert12.csv", "sst2_bert12.json", "sst2_bert12.profile.json",
                           "wifi_edge_cloud.xml"}) {
    INFO(file);
    REQUIRE(hashes.contains(file));
    // sha256 by an independent implementation (coreutils).
    std::string sum(64, '\0');
    FILE* pipe = popen(("sha256sum '" + dir + "/out/inputs/" + file + "'").c_str(), "r");
    REQUIRE(pipe);
    REQUIRE(std::fread(sum.data(), 1, sum.size(), pipe) == sum.size());
    pclose(pipe);
    CHECK(hashes[file].get<std::string>() == sum);
  }
  CHECK(hashes.size() == 5);
  // What a task runs, for two of the three shards: merge names the missing shard.
  for (int i : {0, 2})
    REQUIRE(testing::run_cli("run " + dir + "/out/inputs/config.json -o " + dir + "/out -j 2 --resume --shard " +
                             std::to_string(i) + "/3").status == 0);
  auto partial = testing::run_cli("merge " + dir + "/out");
  CHECK(partial.status == 1);
  CHECK_THAT(partial.out, Contains("2 of 5 points missing in shards 1 (2) of 3: rerun those tasks"));
  REQUIRE(testing::run_cli("run " + dir + "/out/inputs/config.json -o " + dir + "/out -j 2 --resume --shard 1/3").status == 0);
  auto merged = testing::run_cli("merge " + dir + "/out");
  CHECK(merged.status == 0);
  CHECK_THAT(merged.out, Contains("all 5 points of " + dir + "/out/experiment.json are complete"));
  CHECK(testing::read_csv(dir + "/out/summary.csv").size() == 6);
  // The runs kept the recorded hashes.
  CHECK(testing::read_json(dir + "/out/experiment.json")["x-tiersim"]["inputs_sha256"] == hashes);
  CHECK(testing::run_cli("slurm " + path + " -o " + dir + "/bad --array 0").status == 2);
  auto bad_mem = testing::run_cli("slurm " + path + " -o " + dir + "/bad --array 1 --mem '4G; rm -rf /'");
  CHECK(bad_mem.status == 2);
  CHECK(bad_mem.err == "tiersim: error: --mem: expected a SLURM value of letters, digits and _ . , : | & ! ( ) [ ] * + "
                       "= @ -, got \"4G; rm -rf /\"\n");
}

// Kill -9 at 20 times spread over a whole run (drawn once, seeded), and SIGINT once: some points
// done, some half-written, some not started. Every resume gives byte-identical summaries.
TEST_CASE("a runner killed mid-sweep resumes to the same summaries as an uninterrupted run", "[sweep][runner][slow]") {
  auto dir = testing::scratch_dir("killed");
  auto config = with_sweep(base(), {{"seeds", 8}});
  config["workload"]["requests"] = 5000;
  auto path = testing::write_config(dir, config);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/full -j 2").status == 0);
  const double full_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto reference = summaries(dir + "/full");
  REQUIRE(reference.size() == 8);
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> when(0.02, full_s);
  std::vector<std::pair<std::string, double>> kills{{"INT", 0.5 * full_s}};
  for (int i = 0; i < 20; ++i) kills.emplace_back("KILL", when(rng));
  for (std::size_t k = 0; k < kills.size(); ++k) {
    const auto& [signal, after] = kills[k];
    const std::string out = dir + "/" + signal + std::to_string(k);
    std::system(fmt::format("timeout -s {} {:.3f} {} run {} -o {} -j 2 >/dev/null 2>&1", signal, after, TIERSIM_BIN,
                            path, out).c_str());
    auto resumed = testing::run_cli("run " + path + " -o " + out + " -j 2 --resume");
    INFO(signal << " after " << after << " s: " << resumed.err);
    CHECK(resumed.status == 0);
    CHECK(summaries(out) == reference);
    CHECK(testing::read_csv(out + "/summary.csv").size() == 9);
  }
}

// A worker killed mid-point (by the OOM killer, say): the runner reports the point with the signal,
// leaves no .partial behind, writes its .error, and a resume completes it byte-identically.
TEST_CASE("a killed worker fails its point cleanly and a resume completes it", "[sweep][runner]") {
  auto dir = testing::scratch_dir("killed_worker");
  auto config = with_sweep(base(), {{"seeds", 4}});
  config["workload"]["requests"] = 20000;
  auto path = testing::write_config(dir, config);
  REQUIRE(testing::run_cli("run " + path + " -o " + dir + "/full -j 2").status == 0);
  const std::string out = dir + "/out";
  const pid_t runner = fork();
  REQUIRE(runner >= 0);
  if (runner == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(TIERSIM_BIN, TIERSIM_BIN, "run", path.c_str(), "-o", out.c_str(), "-j", "2", static_cast<char*>(nullptr));
    _exit(127);
  }
  // The runner's first worker, as soon as it has one (Linux lists a task's children in /proc).
  pid_t worker = 0;
  const std::string children = fmt::format("/proc/{0}/task/{0}/children", runner);
  for (int tries = 0; tries < 5000 && worker == 0; ++tries) {
    std::ifstream in(children);
    if (!(in >> worker)) worker = 0, usleep(1000);
  }
  REQUIRE(worker > 0);
  usleep(100000);  // into its point
  kill(worker, SIGKILL);
  int status = 0;
  waitpid(runner, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  std::size_t partial = 0, errors = 0;
  for (const auto& e : std::filesystem::directory_iterator(out + "/runs")) {
    if (e.path().extension() == ".partial") ++partial;
    if (e.path().extension() == ".error") {
      ++errors;
      CHECK_THAT(testing::read_text(e.path().string()), Contains("worker killed by signal 9 (Killed)"));
    }
  }
  CHECK(partial == 0);
  CHECK(errors >= 1);
  CHECK(summaries(out).size() == 4 - errors);
  auto resumed = testing::run_cli("run " + path + " -o " + out + " -j 2 --resume");
  INFO(resumed.err);
  CHECK(resumed.status == 0);
  CHECK(summaries(out) == summaries(dir + "/full"));
}

// A full disk, for real: results go to a 2 MiB tmpfs (needs root to mount; skipped otherwise).
// Each point writes a ~0.75 MB requests.csv: two points fit, the third runs out of space. In
// the SimGrid engine the write fails inside the simulation (it once aborted the worker with a
// backtrace and left every .partial behind, and in a single-point run SimGrid's exit handler
// crashed after the error).
TEST_CASE("a full disk discards the partial point and leaves earlier points intact", "[sweep][runner][disk]") {
  if (geteuid() != 0) {
    WARN("skipped: mounting a small tmpfs needs root");
    return;
  }
  auto dir = testing::scratch_dir("full_disk");
  const std::string mnt = dir + "/mnt";
  for (const std::string engine : {"analytic", "simgrid"}) {
    std::filesystem::create_directories(mnt);
    REQUIRE(std::system(("mount -t tmpfs -o size=2m tmpfs " + mnt).c_str()) == 0);
    auto config = with_sweep(base(), {{"seeds", 4}});
    config["workload"]["requests"] = 5000;
    config["outputs"] = {{"requests_csv", true}};
    config["simulation"] = {{"engine", engine}};
    auto path = testing::write_config(dir, config);
    auto r = testing::run_cli("run " + path + " -o " + mnt + "/out -j 1");
    std::size_t complete = 0, partial = 0, errors = 0;
    for (const auto& e : std::filesystem::directory_iterator(mnt + "/out/runs")) {
      if (e.path().extension() == ".partial") ++partial;
      if (e.path().extension() == ".error") {
        ++errors;
        CHECK_THAT(testing::read_text(e.path().string()), Contains("write failed (No space left on device)"));
      }
      if (std::filesystem::exists(e.path() / "summary.json")) {
        ++complete;
        CHECK_NOTHROW(testing::read_json((e.path() / "summary.json").string()));  // whole, not truncated
        CHECK(testing::read_csv((e.path() / "requests.csv").string()).size() == 5001);
      }
    }
    // One point run in the tiersim process itself: one line, status 1, nothing half-written left.
    std::filesystem::remove_all(mnt + "/out");
    config.erase("sweep");
    config["workload"]["requests"] = 40000;
    auto one = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + mnt + "/one");
    std::vector<std::string> one_left;  // only the point's .error
    for (const auto& e : std::filesystem::directory_iterator(mnt + "/one/runs")) one_left.push_back(e.path().filename());
    std::system(("umount " + mnt).c_str());
    INFO(engine << ": " << r.out << r.err);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("requests.csv: write failed (No space left on device)"));
    CHECK(complete >= 1);
    CHECK(complete < 4);
    CHECK(errors == 4 - complete);
    CHECK(partial == 0);
    INFO(one.err);
    CHECK(one.status == 1);
    CHECK_THAT(one.err, Contains("requests.csv: write failed (No space left on device)"));
    CHECK(std::count(one.err.begin(), one.err.end(), '\n') == 1);
    REQUIRE(one_left.size() == 1);
    CHECK(one_left[0].size() > 6);
    CHECK(one_left[0].substr(one_left[0].size() - 6) == ".error");
  }
}

TEST_CASE("plot draws every figure it can and names what another one lacks", "[plot]") {
  auto dir = testing::scratch_dir("plot");
  auto config = with_sweep(base(), {{"zip", {{"policy", {json{{"name", "all-on-edge"}}, json{{"name", "oracle"}},
                                                          json{{"name", "entropy"}, {"params", {{"thresholds", 0.3}}}}}}}},
                                    {"grid", {{"workload.devices", {2, 8}}}}});
  config["outputs"] = {{"requests_csv", true}};
  config["workload"]["requests"] = 500;
  REQUIRE(testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out -j 2").status == 0);
  auto r = testing::run_cli("plot " + dir + "/out");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  for (const char* name : {"accuracy_energy", "accuracy_latency", "exit_distribution", "energy_breakdown", "latency_cdf",
                           "p95_vs_load", "per_class_exits"})
    for (const char* ext : {".pdf", ".png"}) {
      const std::string file = dir + "/out/figures/" + name + ext;
      CHECK(std::filesystem::exists(file));
      CHECK(std::filesystem::file_size(file) > 1000);
    }
  // Remove a metric from the runs: that figure is skipped with the missing key named, the rest drawn.
  for (const auto& run : std::filesystem::directory_iterator(dir + "/out/runs")) {
    auto summary = testing::read_json((run.path() / "summary.json").string());
    summary.erase("energy_j_per_inference");
    testing::write_file((run.path() / "summary.json").string(), summary.dump());
  }
  auto partial = testing::run_cli("plot " + dir + "/out -o " + dir + "/fig2");
  CHECK(partial.status == 1);
  CHECK_THAT(partial.err, Contains("accuracy_energy: skipped:") && Contains("has no energy_j_per_inference.total"));
  CHECK(std::filesystem::exists(dir + "/fig2/exit_distribution.png"));
  CHECK_FALSE(std::filesystem::exists(dir + "/fig2/accuracy_energy.png"));
  auto empty = testing::run_cli("plot " + testing::scratch_dir("plot_empty"));
  CHECK(empty.status == 2);
  CHECK_THAT(empty.err, Contains("no completed runs under runs/ to plot"));
}

// A small cartography experiment on the shipped ResNet trace: DIMEC-DC writes its pools, the
// experiment's own figure list is drawn, and a figure it lists that does not apply is named.
TEST_CASE("an experiment's figures: cost reduction over offload costs and the data map", "[plot][dimec]") {
  auto dir = testing::scratch_dir("plot_cartography");
  json config = base();
  config["trace"] = source_path("traces/fmnist_resnet4.csv.gz");
  config["profile"] = source_path("traces/fmnist_resnet4.profile.json");
  config["policy"] = {{"name", "dimec_dc"},
                      {"params", {{"dynamics", source_path("traces/fmnist_resnet4.dynamics.csv.gz")},
                                  {"exit_confidence", 0.9}}}};
  config["workload"]["split"] = "test";
  config["workload"]["requests"] = 3000;
  config["cost"] = {{"lambda", {{"mobile", 1}, {"edge", 1}, {"cloud", 1}}}, {"offload", 1}};
  config["simulation"] = {{"engine", "analytic"}};
  config["figures"] = {"cost_vs_offload", "datamap"};
  json parts = json::array();
  parts.push_back({{"grid", {{"cost.offload", {1, 4}}}}});
  parts.push_back({{"set", {{"policy", {{"name", "all-in-cloud"}}}}}, {"grid", {{"cost.offload", {1, 4}}}}});
  config["sweep"] = parts;
  auto cfg = testing::write_config(dir, config);
  REQUIRE(testing::run_cli("run " + cfg + " -o " + dir + "/out").status == 0);
  // Each DIMEC-DC run holds its data map: 5 000 training samples, each in one of the three pools.
  int dimec_runs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/out/runs")) {
    if (!std::filesystem::exists(entry.path() / "pools.csv")) continue;
    ++dimec_runs;
    auto rows = testing::read_csv((entry.path() / "pools.csv").string());
    REQUIRE(rows.size() == 5001);
    CHECK(rows[0] == std::vector<std::string>{"sample", "confidence", "variability", "pool"});
    std::set<std::string> pools;
    for (std::size_t i = 1; i < rows.size(); ++i) pools.insert(rows[i][3]);
    CHECK(pools == std::set<std::string>{"easy", "medium", "hard"});
  }
  CHECK(dimec_runs == 2);
  auto r = testing::run_cli("plot " + dir + "/out");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  for (const char* name : {"cost_vs_offload", "datamap"})
    CHECK(std::filesystem::file_size(dir + "/out/figures/" + name + ".png") > 1000);
  CHECK_FALSE(std::filesystem::exists(dir + "/out/figures/accuracy_energy.png"));  // not in the list
  auto other = testing::run_cli("plot " + dir + "/out --only latency_vs_bandwidth");
  CHECK(other.status == 1);
  CHECK_THAT(other.err, Contains("latency_vs_bandwidth: skipped: no swept link bandwidth"));
}

TEST_CASE("reproduce names the shipped experiments when asked for an unknown one", "[reproduce][bad-input]") {
  auto r = testing::run_cli("reproduce cartograpy");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Contains("reproduce cartograpy: no experiment") &&
                        Contains("(expected one of: adaee, adaptive, cartography, hybrid, load, meanet, network, quickstart, serving)"));
}

TEST_CASE("forcing another config into a directory removes the old config's runs", "[sweep][runner]") {
  auto dir = testing::scratch_dir("force_stale");
  auto first = with_sweep(base(), {{"grid", {{"policy.params.thresholds", {0.1, 0.2}}}}});
  first["workload"]["requests"] = 200;
  REQUIRE(testing::run_cli("run " + testing::write_config(dir, first) + " -o " + dir + "/out").status == 0);
  auto second = with_sweep(first, {{"grid", {{"policy.params.thresholds", {0.3}}}}});
  auto refused = testing::run_cli("run " + testing::write_config(dir, second) + " -o " + dir + "/out");
  CHECK(refused.status == 2);
  CHECK(summaries(dir + "/out").size() == 2);  // refused: nothing touched
  REQUIRE(testing::run_cli("run " + testing::write_config(dir, second) + " -o " + dir + "/out --force").status == 0);
  auto left = summaries(dir + "/out");
  REQUIRE(left.size() == 1);
  CHECK(left.begin()->first == tiersim::expand_sweep(second, "c.json")[0].id);
  CHECK(testing::read_csv(dir + "/out/summary.csv").size() == 2);  // header and the one run
}

// Issue 17, finding 7: with --force, a symlinked experiment.json was overwritten through the link
// and a symlinked runs/ had its target's contents deleted.
TEST_CASE("a results directory is never written or deleted through a symbolic link", "[sweep][runner][bad-input]") {
  auto dir = testing::scratch_dir("symlinks");
  auto first = base();
  first["workload"]["requests"] = 200;
  auto second = first;
  second["policy"]["params"]["thresholds"] = 0.3;
  const std::string out = dir + "/out";
  REQUIRE(testing::run_cli("run " + testing::write_config(dir, first) + " -o " + out).status == 0);
  testing::write_file(dir + "/victim.json", "keep\n");
  std::filesystem::remove(out + "/experiment.json");
  std::filesystem::create_symlink(dir + "/victim.json", out + "/experiment.json");
  auto forced = testing::run_cli("run " + testing::write_config(dir, second) + " -o " + out + " --force");
  INFO(forced.err);
  CHECK(forced.status == 0);
  CHECK(testing::read_text(dir + "/victim.json") == "keep\n");
  CHECK_FALSE(std::filesystem::is_symlink(out + "/experiment.json"));
  CHECK(testing::read_json(out + "/experiment.json")["policy"]["params"]["thresholds"] == 0.3);
  // runs/ as a link to a folder of someone else's files: refused, nothing deleted.
  std::filesystem::create_directories(dir + "/precious");
  testing::write_file(dir + "/precious/thesis.tex", "chapter 1\n");
  std::filesystem::create_directories(dir + "/linked");
  std::filesystem::create_directory_symlink(dir + "/precious", dir + "/linked/runs");
  auto refused = testing::run_cli("run " + testing::write_config(dir, first) + " -o " + dir + "/linked --force");
  CHECK(refused.status == 2);
  CHECK(refused.err == "tiersim: error: " + dir + "/linked/runs: a symbolic link (expected the folder of tiersim's "
                       "runs; tiersim deletes there and never through a link)\n");
  CHECK(testing::read_text(dir + "/precious/thesis.tex") == "chapter 1\n");
}

// Issue 17, finding 7: two runners on one directory deleted each other's .partial folders and
// reported false failures. A runner holds a lock (flock) on the directory; the test holds it
// here as another runner would, so the outcome does not depend on timing.
TEST_CASE("a second runner on a results directory in use is refused, but shards of a job array run side by side", "[sweep][runner]") {
  auto dir = testing::scratch_dir("locked");
  auto config = with_sweep(base(), {{"seeds", 2}});
  config["workload"]["requests"] = 200;
  const std::string path = testing::write_config(dir, config), out = dir + "/out";
  std::filesystem::create_directories(out);
  auto hold = [&](const std::string& file, int operation) {
    const int fd = open((out + "/" + file).c_str(), O_RDWR | O_CREAT, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(flock(fd, operation | LOCK_NB) == 0);
    return fd;
  };
  {  // a whole run in progress
    const int fd = hold(".tiersim.lock", LOCK_EX);
    auto r = testing::run_cli("run " + path + " -o " + out);
    CHECK(r.status == 2);
    CHECK(r.err == "tiersim: error: " + out + ": another tiersim run is writing results here (it holds " + out +
                       "/.tiersim.lock); wait for it to end or use another directory\n");
    CHECK(testing::run_cli("run " + path + " -o " + out + " --shard 1/2").status == 2);
    CHECK(testing::run_cli("merge " + out).status == 2);
    close(fd);
  }
  {  // shard 0 of 2 in progress: shard 1 runs beside it, shard 0 again and a whole run are refused
    const int dir_fd = hold(".tiersim.lock", LOCK_SH), shard_fd = hold(".tiersim.shard-0-of-2.lock", LOCK_EX);
    auto other = testing::run_cli("run " + path + " -o " + out + " --shard 1/2");
    INFO(other.err);
    CHECK(other.status == 0);
    auto same = testing::run_cli("run " + path + " -o " + out + " --shard 0/2");
    CHECK(same.status == 2);
    CHECK_THAT(same.err, Contains("another tiersim run is writing shard 0/2 here"));
    CHECK(testing::run_cli("run " + path + " -o " + out).status == 2);
    close(shard_fd);
    close(dir_fd);
  }
  // Released (as when the runner ends or is killed): the run goes ahead.
  CHECK(testing::run_cli("run " + path + " -o " + out).status == 0);
  CHECK(summaries(out).size() == 2);
}

// Issue 17, finding 2: a quote in the results path, or a newline in --time, ran commands when the
// job started. Every value is now quoted for bash or checked against its format.
TEST_CASE("slurm job scripts quote every path and refuse what cannot be quoted", "[slurm][bad-input]") {
  auto dir = testing::scratch_dir("slurm-hostile");
  auto path = testing::write_config(dir, base());
  const std::string hostile = dir + "/res'; touch INJECTED; '";
  auto r = testing::run_cli("slurm " + path + " -o \"" + hostile + "\" --array 1");
  INFO(r.err);
  REQUIRE(r.status == 0);
  // The array task, run by bash as SLURM would: it runs tiersim into the hostile folder and nothing else.
  const std::string task = "cd '" + dir + "' && SLURM_ARRAY_TASK_ID=0 bash \"" + hostile + "/tiersim.sbatch\" > /dev/null 2>&1";
  CHECK(std::system(task.c_str()) == 0);
  CHECK_FALSE(std::filesystem::exists(dir + "/INJECTED"));
  CHECK(std::filesystem::exists(hostile + "/summary.csv"));
  const std::string merge = "cd '" + dir + "' && bash \"" + hostile + "/merge.sbatch\" > /dev/null 2>&1";
  CHECK(std::system(merge.c_str()) == 0);
  CHECK_FALSE(std::filesystem::exists(dir + "/INJECTED"));
  // submit.sh, with an sbatch that only answers a job id: the hostile path is one argument.
  std::filesystem::create_directories(dir + "/fake-bin");
  testing::write_file(dir + "/fake-bin/sbatch", "#!/bin/sh\necho 42\n");
  std::filesystem::permissions(dir + "/fake-bin/sbatch", std::filesystem::perms::owner_all);
  const std::string submit = "cd '" + dir + "' && PATH='" + dir + "/fake-bin':$PATH bash \"" + hostile + "/submit.sh\" > /dev/null 2>&1";
  CHECK(std::system(submit.c_str()) == 0);
  CHECK_FALSE(std::filesystem::exists(dir + "/INJECTED"));
  // A newline in --time or in a path cannot be made safe in an #SBATCH line: refused.
  auto bad_time = testing::run_cli("slurm " + path + " -o " + dir + "/t --array 1 --time \"$(printf '1:00\\ntouch INJECTED')\"");
  CHECK(bad_time.status == 2);
  CHECK_THAT(bad_time.err, Contains("--time: expected a SLURM time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got \"1:00\\ntouch INJECTED\""));
  auto bad_path = testing::run_cli("slurm " + path + " -o \"$(printf '" + dir + "/a\\nb')\" --array 1");
  CHECK(bad_path.status == 2);
  CHECK_THAT(bad_path.err, Contains("--out: expected a path without control characters or double quotes"));
  CHECK(testing::run_cli("slurm " + path + " -o " + dir + "/t --array 1 --time 2-12:30").status == 0);
}
