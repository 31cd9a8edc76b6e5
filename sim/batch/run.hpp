#pragma once
// One run point: loads and cross-checks the inputs, runs the chosen engine, writes outputs.
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "batch/config.hpp"
#include "model/run_setup.hpp"

namespace tiersim {

// Loads a run's trace, profile and platform and applies the config's link bandwidths.
std::shared_ptr<RunInputs> load_run_inputs(const Experiment& x);
// Which points can share loaded inputs (equal keys: same files, network model and bandwidths).
std::string run_inputs_key(const Experiment& x);

// Runs one experiment and writes DIR/runs/<name>/ (summary.json, config.json = `resolved`,
// requests.csv when asked), complete or not at all. Returns the summary.
// `sweep_values` (swept path -> value) is recorded in the summary when not empty.
nlohmann::ordered_json run_experiment(const Experiment& x, const std::string& out_dir, const nlohmann::json& resolved,
                                      const nlohmann::json& sweep_values = nlohmann::json::object());
// The same with inputs already loaded (the SimGrid engine can run only once per process);
// wall_time_s counts from `started`. `record_sink`, when set, also gets every request's record.
nlohmann::ordered_json run_experiment(const Experiment& x, RunSetup& setup, const std::string& out_dir, const nlohmann::json& resolved,
                                      const nlohmann::json& sweep_values, std::chrono::steady_clock::time_point started,
                                      const std::function<void(const RequestRecord&)>& record_sink = {});

// The completed runs under DIR/runs (folders with a summary.json, not "*.partial"), sorted.
std::vector<std::filesystem::path> completed_runs(const std::string& out_dir);

// Loads and checks everything a run needs without simulating (for `tiersim validate`);
// returns the run's warnings (RunSetup::warnings).
std::vector<std::string> validate_experiment(const Experiment& x);

}  // namespace tiersim
