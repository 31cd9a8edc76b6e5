#pragma once
// The complete runs of a results directory as tables, for pandas, seaborn and spreadsheets:
//   summary.csv  one row per run: "run", every resolved config value (config.json flattened
//                by dotted path: workload.devices, policy.name, policy.params.thresholds, ...;
//                arrays as JSON text) in name order, then every metric of summary.json
//                (summary.schema.json's order, flattened by dotted path: latency_s.p95)
//   metrics.csv  long: "run", the config values that differ between runs, then "metric" (the
//                schema's stable id) and "value", one row per numeric metric of each run
//   compare.csv  (compare.cpp) the replicas of each point aggregated: mean and 95 % interval
// Column orders depend only on the set of runs, never on which run was written first.
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace tiersim {

struct RunResult {
  std::string id;                  // the run's folder name under DIR/runs
  nlohmann::json config;           // its config.json: the resolved config of the point
  nlohmann::ordered_json summary;  // its summary.json
};

// Every complete run under DIR/runs, sorted by id. A summary.json or config.json that is not
// JSON (or not an object) is an InputError naming the file.
std::vector<RunResult> load_results(const std::string& out_dir);

// A config flattened to (dotted path, scalar): objects recursed, arrays as their JSON text;
// "name" (the run's id) and "sweep" left out.
std::vector<std::pair<std::string, nlohmann::json>> config_values(const nlohmann::json& config);

// The config paths whose values are not the same in every run (a run lacking one differs),
// in name order, minus `excluded`.
std::vector<std::string> varying_config_paths(const std::vector<RunResult>& runs,
                                              const std::vector<std::string>& excluded = {});

// A config value as a CSV cell (strings bare, numbers as JSON writes them, null empty).
std::string cell_text(const nlohmann::json& value);

std::string summary_csv(const std::vector<RunResult>& runs);
std::string metrics_long_csv(const std::vector<RunResult>& runs);

// Rebuilds DIR/summary.csv and DIR/metrics.csv from the complete runs.
void rebuild_results_tables(const std::string& out_dir);

// Runs that are replicas of one point: the same resolved config but for its name and
// simulation.seed. Groups in the order of their first run.
std::vector<std::vector<const RunResult*>> group_replicas(const std::vector<RunResult>& runs);

}  // namespace tiersim
