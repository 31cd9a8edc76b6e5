// Results a reviewer accepts: confidence intervals computed by hand, accuracy over distinct
// samples, replicas aggregated in compare.csv, tidy summary.csv and long metrics.csv.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/stats.hpp"
#include "helpers.hpp"

using nlohmann::json;
using testing::source_path;
using Catch::Matchers::Contains;

namespace {

// Wilson's interval written out (Brown, Cai & DasGupta 2001, eq. 4), z = 1.959963984540054.
std::pair<double, double> wilson_by_hand(double successes, double n) {
  const double z = 1.959963984540054, p = successes / n, z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {centre - half, centre + half};
}

json tiny(const std::string& policy, long long requests) {
  return {{"name", "tiny"},
          {"trace", source_path("tests/data/tiny.csv")},
          {"profile", source_path("tests/data/tiny.profile.json")},
          {"platform", source_path("tests/data/tiny_platform.xml")},
          {"policy", {{"name", policy}}},
          {"workload",
           {{"devices", 1}, {"requests", requests}, {"arrival", {{"process", "poisson"}, {"rate_hz", 0.001}}},
            {"sample_order", "trace"}}},
          {"simulation", {{"engine", "analytic"}, {"seed", 1}}}};
}

json bert_sweep() {
  return {{"name", "rep"},
          {"trace", source_path("traces/sst2_bert12.csv")},
          {"profile", source_path("traces/sst2_bert12.profile.json")},
          {"platform", source_path("platforms/wifi_edge_cloud.xml")},
          {"policy", {{"name", "entropy"}, {"params", {{"thresholds", 0.25}}}}},
          {"workload", {{"devices", 4}, {"requests", 300}, {"arrival", {{"process", "poisson"}, {"rate_hz", 2}}}}},
          {"simulation", {{"engine", "analytic"}, {"seed", 7}}},
          {"sweep",
           {{{"grid", {{"workload.devices", {2, 8}}}}, {"seeds", 3}},
            {{"set", {{"policy", {{"name", "all-on-edge"}}}}}, {"grid", {{"workload.devices", {2}}}}}}}};
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  auto it = std::find(header.begin(), header.end(), name);
  INFO(name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

}  // namespace

TEST_CASE("Wilson's interval matches the closed form, ends included", "[results][stats]") {
  for (auto [c, n] : {std::pair{8, 10}, std::pair{2, 4}, std::pair{421, 500}, std::pair{1, 1000}}) {
    auto [low, high] = wilson_by_hand(c, n);
    auto w = tiersim::wilson_interval(c, n);
    CHECK(w.low == Approx(low).epsilon(1e-12));
    CHECK(w.high == Approx(high).epsilon(1e-12));
  }
  // 8 of 10: 0.490162 .. 0.943318 (the textbook example's figures).
  CHECK(tiersim::wilson_interval(8, 10).low == Approx(0.4901624715).epsilon(1e-9));
  CHECK(tiersim::wilson_interval(0, 10).low == 0.0);
  CHECK(tiersim::wilson_interval(0, 10).high == Approx(0.2775327999).epsilon(1e-9));
  CHECK(tiersim::wilson_interval(10, 10).high == 1.0);
  CHECK(tiersim::wilson_interval(0, 0).high == 1.0);
}

TEST_CASE("Student's t interval over three replicas, by hand", "[results][stats]") {
  // 1, 2, 4: mean 7/3, s = sqrt(7/3); with 2 degrees of freedom t's quantile has a closed form,
  // t(q) = (2q - 1) sqrt(2 / (4 q (1 - q))): t(0.975) = 0.95 sqrt(2 / 0.0975) = 4.3026527297.
  auto m = tiersim::mean_interval({1, 2, 4});
  CHECK(m.n == 3);
  CHECK(m.mean == Approx(7.0 / 3));
  const double t2 = 0.95 * std::sqrt(2 / 0.0975);
  CHECK(m.half_width == Approx(t2 * std::sqrt(7.0 / 3) / std::sqrt(3.0)).epsilon(1e-12));
  // Five replicas: t(0.975, 4) = 2.776445105197799.
  auto five = tiersim::mean_interval({0.5, 0.7, 0.6, 0.9, 0.8});
  CHECK(five.half_width == Approx(2.776445105197799 * std::sqrt(0.025) / std::sqrt(5.0)).epsilon(1e-12));
  // One replica has no spread to estimate; identical replicas have none at all.
  CHECK(tiersim::mean_interval({3.5}).half_width == 0.0);
  auto same = tiersim::mean_interval({0.1, 0.1, 0.1});
  CHECK(same.mean == 0.1);
  CHECK(same.half_width == 0.0);
}

TEST_CASE("accuracy_unique counts each sample once, with its Wilson interval", "[results][summary]") {
  // all-on-mobile answers at exit 0: s0 right, s1 wrong, s2 right, s3 wrong. Five requests in
  // trace order are s0 s1 s2 s3 s0: 3 of 5 requests right, but 2 of the 4 distinct samples.
  auto dir = testing::scratch_dir("accuracy_unique");
  auto r = testing::run_cli("run " + testing::write_config(dir, tiny("all-on-mobile", 5)) + " -o " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  json s = testing::read_json(dir + "/out/runs/tiny/summary.json");
  CHECK(s["accuracy"] == 0.6);
  CHECK(s["accuracy_unique"] == 0.5);
  CHECK(s["samples_unique"] == 4);
  auto [low, high] = wilson_by_hand(2, 4);
  CHECK(s["accuracy_unique_ci95"]["low"].get<double>() == Approx(low).epsilon(1e-12));
  CHECK(s["accuracy_unique_ci95"]["high"].get<double>() == Approx(high).epsilon(1e-12));
  // Three requests: s0 s1 s2, 2 of 3 either way.
  auto r3 = testing::run_cli("run " + testing::write_config(dir, tiny("all-on-mobile", 3)) + " -o " + dir + "/out3");
  REQUIRE(r3.status == 0);
  json s3 = testing::read_json(dir + "/out3/runs/tiny/summary.json");
  CHECK(s3["accuracy_unique"].get<double>() == Approx(2.0 / 3));
  CHECK(s3["samples_unique"] == 3);
  CHECK(s3["accuracy_unique_ci95"]["low"].get<double>() == Approx(wilson_by_hand(2, 3).first).epsilon(1e-12));
}

TEST_CASE("compare aggregates the seeds of a point: mean and 95 % t interval per metric", "[results][compare]") {
  auto dir = testing::scratch_dir("compare_replicas");
  json config = bert_sweep();
  config["simulation"]["engine"] = "simgrid";  // queues: the seeds' arrivals move the latencies too
  auto r = testing::run_cli("run " + testing::write_config(dir, config) + " -o " + dir + "/out -j 2");
  INFO(r.err);
  REQUIRE(r.status == 0);
  auto c = testing::run_cli("compare " + dir + "/out");
  INFO(c.err);
  REQUIRE(c.status == 0);
  CHECK_THAT(c.out, Contains("Comparison of 7 runs (3 points)"));
  auto rows = testing::read_csv(dir + "/out/compare.csv");
  REQUIRE(rows.size() == 4);  // header + entropy at 2 and 8 devices + all-on-edge
  const auto& h = rows[0];
  // One column per swept value, none for the seed, no packed "a=1 b=2" field.
  CHECK(h[0] == "policy");
  CHECK(h[column(h, "workload.devices")] == "workload.devices");
  CHECK(std::find(h.begin(), h.end(), "simulation.seed") == h.end());
  CHECK(std::find(h.begin(), h.end(), "values") == h.end());
  const auto devices = column(h, "workload.devices"), replicas = column(h, "replicas"), runs = column(h, "runs");
  const auto acc_mean = column(h, "accuracy_mean"), acc_ci = column(h, "accuracy_ci95");
  const auto p95_mean = column(h, "latency_p95_s_mean"), p95_ci = column(h, "latency_p95_s_ci95");
  // Rows sorted by policy, then by the swept values as numbers.
  CHECK(rows[1][0] == "all-on-edge");
  CHECK(rows[1][replicas] == "1");
  CHECK(rows[1][acc_ci].empty());  // one replica: no interval
  CHECK(rows[2][0] == "entropy");
  CHECK(rows[2][devices] == "2");
  CHECK(rows[3][devices] == "8");
  for (int i : {2, 3}) {
    REQUIRE(rows[i][replicas] == "3");
    // The interval by hand from the three summaries the row names.
    std::vector<double> accuracy, p95;
    std::set<long long> seeds;
    std::string ids = rows[i][runs];
    for (std::size_t at = 0; at < ids.size();) {
      const std::size_t space = std::min(ids.find(' ', at), ids.size());
      json s = testing::read_json(dir + "/out/runs/" + ids.substr(at, space - at) + "/summary.json");
      accuracy.push_back(s["accuracy"]);
      p95.push_back(s["latency_s"]["p95"]);
      seeds.insert(s["seed"].get<long long>());
      at = space + 1;
    }
    REQUIRE(accuracy.size() == 3);
    CHECK(seeds == std::set<long long>{7, 8, 9});
    auto by_hand = [](const std::vector<double>& v) {
      const double mean = (v[0] + v[1] + v[2]) / 3;
      double ss = 0;
      for (double x : v) ss += (x - mean) * (x - mean);
      return std::pair{mean, 0.95 * std::sqrt(2 / 0.0975) * std::sqrt(ss / 2) / std::sqrt(3.0)};  // t(0.975, 2)
    };
    CHECK(std::stod(rows[i][acc_mean]) == Approx(by_hand(accuracy).first).epsilon(1e-12));
    CHECK(std::stod(rows[i][acc_ci]) == Approx(by_hand(accuracy).second).epsilon(1e-9));
    CHECK(std::stod(rows[i][p95_mean]) == Approx(by_hand(p95).first).epsilon(1e-12));
    CHECK(std::stod(rows[i][p95_ci]) == Approx(by_hand(p95).second).epsilon(1e-9));
    CHECK(std::stod(rows[i][acc_ci]) > 0);  // the seeds draw other samples: accuracy varies
    CHECK(std::stod(rows[i][p95_ci]) > 0);  // and other arrivals: latency too
  }
  const std::string md = testing::read_text(dir + "/out/compare.md");
  CHECK_THAT(md, Contains(" ± "));
}

TEST_CASE("summary.csv has every resolved config value, then every metric in the schema's order", "[results]") {
  auto dir = testing::scratch_dir("summary_tidy");
  REQUIRE(testing::run_cli("run " + testing::write_config(dir, bert_sweep()) + " -o " + dir + "/out -j 2").status == 0);
  auto rows = testing::read_csv(dir + "/out/summary.csv");
  REQUIRE(rows.size() == 8);
  const auto& h = rows[0];
  CHECK(h[0] == "run");
  // Config values, swept or not, by dotted path, in name order before the metrics.
  const auto name_col = column(h, "policy.name"), devices = column(h, "workload.devices");
  const auto rate = column(h, "workload.arrival.rate_hz"), seed = column(h, "simulation.seed");
  const auto thresholds = column(h, "policy.params.thresholds"), trace = column(h, "trace");
  CHECK(name_col < thresholds);
  CHECK(thresholds < seed);
  CHECK(seed < trace);
  CHECK(trace < devices);
  CHECK(std::find(h.begin(), h.end(), "name") == h.end());  // the run column holds it
  // Metrics follow in the schema's order (summary.hpp), not the order a run wrote them.
  const auto requests = column(h, "requests"), accuracy = column(h, "accuracy"),
             unique = column(h, "accuracy_unique"), p95 = column(h, "latency_s.p95"),
             energy = column(h, "energy_j_per_inference.total"), policy = column(h, "policy");
  CHECK(devices < requests);
  CHECK(requests < accuracy);
  CHECK(accuracy < unique);
  CHECK(unique < p95);
  CHECK(p95 < energy);
  CHECK(energy < policy);
  CHECK(std::none_of(h.begin(), h.end(), [](const std::string& c) { return c.rfind("sweep.", 0) == 0; }));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i][rate] == "2");  // not swept: there all the same
    json s = testing::read_json(dir + "/out/runs/" + rows[i][0] + "/summary.json");
    CHECK(rows[i][policy] == s["policy"].get<std::string>());
    CHECK(rows[i][name_col] == s["policy"].get<std::string>());
    CHECK(std::stod(rows[i][accuracy]) == s["accuracy"].get<double>());
    CHECK(rows[i][thresholds] == (s["policy"] == "entropy" ? "0.25" : ""));
  }
}

TEST_CASE("metrics.csv and `tiersim results --long`: one row per run and numeric metric", "[results]") {
  auto dir = testing::scratch_dir("metrics_long");
  REQUIRE(testing::run_cli("run " + testing::write_config(dir, bert_sweep()) + " -o " + dir + "/out -j 2").status == 0);
  auto rows = testing::read_csv(dir + "/out/metrics.csv");
  const auto& h = rows[0];
  // run, the config values that differ between runs, metric, value.
  CHECK(h == std::vector<std::string>{"run", "policy.name", "policy.params.thresholds", "simulation.seed",
                                      "workload.devices", "metric", "value"});
  std::map<std::string, int> per_run;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ++per_run[rows[i][0]];
    if (rows[i][5] != "accuracy_unique") continue;
    json s = testing::read_json(dir + "/out/runs/" + rows[i][0] + "/summary.json");
    CHECK(std::stod(rows[i][6]) == s["accuracy_unique"].get<double>());
    CHECK(rows[i][4] == std::to_string(s["sweep"]["workload.devices"].get<int>()));
  }
  CHECK(per_run.size() == 7);
  auto long_cli = testing::run_cli("results " + dir + "/out --long");
  REQUIRE(long_cli.status == 0);
  CHECK(long_cli.out == testing::read_text(dir + "/out/metrics.csv"));
  auto wide_cli = testing::run_cli("results " + dir + "/out");
  REQUIRE(wide_cli.status == 0);
  CHECK(wide_cli.out == testing::read_text(dir + "/out/summary.csv"));
  auto none = testing::run_cli("results " + dir);
  CHECK(none.status == 2);
  CHECK(none.err == "tiersim: error: " + dir + ": not a results directory (no runs/ folder)\n");
  // A summary.json that is not JSON is one line naming it.
  testing::write_file(dir + "/out/runs/" + rows[1][0] + "/summary.json", "{\"accuracy\": ");
  auto bad = testing::run_cli("results " + dir + "/out");
  CHECK(bad.status == 2);
  CHECK(bad.err == "tiersim: error: " + dir + "/out/runs/" + rows[1][0] +
                       "/summary.json: expected a JSON object as tiersim writes it (rerun or remove the run)\n");
}
