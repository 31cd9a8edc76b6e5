#include "batch/run.hpp"
#include "batch/results_dir.hpp"

#include "core/names.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "engines/engine.hpp"
#include "core/error.hpp"
#include "io/csv.hpp"
#include "model/summary.hpp"

namespace tiersim {

namespace fs = std::filesystem;

std::shared_ptr<RunInputs> load_run_inputs(const Experiment& x) {
  auto inputs = std::make_shared<RunInputs>(
      x.trace_path, x.profile_path, load_network_model(x.network_model, x.platform_path, x.config_path + ": /simulation/network_model"),
      x.platform_path);
  for (const auto& [pattern, bytes_per_s] : x.link_bandwidth)
    if (inputs->platform.set_link_bandwidth(pattern, bytes_per_s, inputs->session.network()) == 0)
      throw InputError(fmt::format("{}: /network/link_bandwidth_Bps/{}: expected the id (or a glob) of a link of {} "
                                   "(it has e.g. {})",
                                   x.config_path, pattern, inputs->platform.path(), inputs->platform.example_link_ids()));
  return inputs;
}

std::string run_inputs_key(const Experiment& x) {
  std::string key = x.trace_path + "\n" + x.profile_path + "\n" + x.platform_path + "\n" + x.network_model;
  for (const auto& [link, bw] : x.link_bandwidth) key += fmt::format("\n{}={}", link, bw);
  return key;
}

// ---- outputs ---------------------------------------------------------------------------

std::vector<fs::path> completed_runs(const std::string& out_dir) {
  std::vector<fs::path> runs;
  const fs::path dir = fs::path(out_dir) / "runs";
  if (fs::exists(dir))
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_directory() && entry.path().extension() != ".partial" && fs::exists(entry.path() / "summary.json"))
        runs.push_back(entry.path());
  std::sort(runs.begin(), runs.end());
  return runs;
}

std::vector<std::string> validate_experiment(const Experiment& x) { return RunSetup(load_run_inputs(x), x).warnings; }

nlohmann::ordered_json run_experiment(const Experiment& x, const std::string& out_dir, const nlohmann::json& resolved,
                                      const nlohmann::json& sweep_values) {
  const auto started = std::chrono::steady_clock::now();
  RunSetup setup(load_run_inputs(x), x);
  return run_experiment(x, setup, out_dir, resolved, sweep_values, started);
}

nlohmann::ordered_json run_experiment(const Experiment& x, RunSetup& setup, const std::string& out_dir,
                                      const nlohmann::json& resolved, const nlohmann::json& sweep_values,
                                      std::chrono::steady_clock::time_point started,
                                      const std::function<void(const RequestRecord&)>& record_sink) {
  // The folders replaced below are children of DIR/runs: run_path refuses a name like "..".
  const fs::path dir(out_dir), run_dir = run_path(dir, x.name), partial = run_path(dir, x.name + ".partial");
  fs::remove_all(partial);
  fs::create_directories(partial);
  Metrics metrics = setup.new_metrics();
  try {
    RequestLog log(x.requests_csv ? (partial / "requests.csv").string() : "");
    setup.name_servers(log);
    if (record_sink) log.set_sink(record_sink);
    find_engine(x.engine, x.config_path + ": /simulation/engine").make()->run(setup, metrics, log);
    log.close();
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);  // nothing half-written stays behind
    throw;
  }
  auto summary = metrics.summary();
  put(summary, summary::engine, x.engine);
  put(summary, summary::network_model, x.network_model);
  if (!setup.warnings.empty()) put(summary, summary::warnings, setup.warnings);
  put(summary, summary::policy, x.policy_name);
  if (auto info = setup.policy->describe(); !info.is_null()) put(summary, summary::policy_info, info);
  put(summary, summary::seed, x.seed);
  put(summary, summary::version, TIERSIM_VERSION);
  if (std::string(TIERSIM_GIT_COMMIT) != "") put(summary, summary::git_commit, TIERSIM_GIT_COMMIT);
  if (!sweep_values.empty()) put(summary, summary::sweep, sweep_values);
  put(summary, summary::wall_time,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  try {
    write_text_atomically(partial / "config.json", resolved.dump(2) + "\n");
    for (const auto& [file, text] : setup.policy->state_files()) write_text_atomically(partial / file, text);
    write_text_atomically(partial / "summary.json", summary.dump(2) + "\n");
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    throw;
  }
  // The run appears under its final name only once complete.
  fs::remove_all(run_dir);
  fs::rename(partial, run_dir);
  return summary;
}

}  // namespace tiersim
