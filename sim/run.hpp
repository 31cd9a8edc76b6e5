#pragma once
// One run point: loads and cross-checks the inputs, runs the chosen engine, writes outputs.
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "arrivals/arrival.hpp"
#include "config.hpp"
#include "selection/selector.hpp"
#include "metrics.hpp"
#include "platform.hpp"
#include "policy.hpp"
#include "walk.hpp"

namespace tiersim {

// The heavy inputs of a run, loaded once: points of a sweep that share them (same trace,
// profile, platform and network model) reuse them within one worker process.
struct RunInputs {
  explicit RunInputs(const Experiment& x);
  Trace trace;
  ModelProfile profile;
  SimgridSession session;
  Platform platform;
  // Which points can share these inputs.
  static std::string key(const Experiment& x);
};

// Everything an engine needs, loaded and checked before anything is simulated.
struct RunSetup {
  explicit RunSetup(const Experiment& x) : RunSetup(x, std::make_shared<RunInputs>(x)) {}
  RunSetup(const Experiment& x, std::shared_ptr<RunInputs> inputs);

  std::shared_ptr<RunInputs> inputs;
  Experiment x;
  const Trace& trace;
  const ModelProfile& profile;
  std::unique_ptr<Policy> policy;
  std::unique_ptr<ServerSelector> selector;
  SimgridSession& session;
  Platform& platform;
  const NetworkModelInfo& network;
  std::vector<int> sample_order;  // trace rows used, in request order (cycled)
  std::vector<const HostInfo*> devices;
  std::vector<std::array<const HostInfo*, kTiers>> device_hosts;  // per device: its mobile, edge, cloud host
  std::unique_ptr<WalkSetup> walk;

  int sample_for(std::uint64_t request) const { return sample_order[request % sample_order.size()]; }
  const HostInfo& host_for(int device, Tier tier) const { return *device_hosts[device][index(tier)]; }
  // Requests of device d are d, d + D, d + 2D, ... below the total.
  std::unique_ptr<ArrivalProcess> arrivals;  // made anew for each run: it may keep per-device state
  long long requests_of(int device) const { return arrivals->requests_of(device); }
  std::uint64_t request_id(int device, long long k) const { return arrivals->request_id(device, k); }
  // Multiplier on a server compute step's duration (1, or Exp(1) for exponential service).
  double service_factor(Tier tier, std::uint64_t request, int compute_step) const;
  double compute_seconds(const HostInfo& host, const Step& step, std::uint64_t request, int compute_step) const;
  // Fills a record's per-step energy for a compute step of `seconds` on `host`.
  void charge_compute(RequestRecord& rec, const HostInfo& host, const Step& step, double seconds) const;
  void charge_transfer(RequestRecord& rec, const HostInfo& device, const Step& step, double seconds) const;
  void finish_record(RequestRecord& rec, const Step& done) const;
  // The metrics accumulator for this run (reference energies, which metrics are reported).
  Metrics new_metrics() const;
};

// Runs one experiment and writes DIR/runs/<name>/ (summary.json, config.json = `resolved`,
// requests.csv when asked), complete or not at all. Returns the summary.
// `sweep_values` (swept path -> value) is recorded in the summary when not empty.
nlohmann::ordered_json run_experiment(const Experiment& x, const std::string& out_dir, const nlohmann::json& resolved,
                                      const nlohmann::json& sweep_values = nlohmann::json::object());
// The same with inputs already loaded (the SimGrid engine can run only once per process);
// wall_time_s counts from `started`.
nlohmann::ordered_json run_experiment(RunSetup& setup, const std::string& out_dir, const nlohmann::json& resolved,
                                      const nlohmann::json& sweep_values, std::chrono::steady_clock::time_point started);

// The completed runs under DIR/runs (folders with a summary.json, not "*.partial"), sorted.
std::vector<std::filesystem::path> completed_runs(const std::string& out_dir);

// DIR/summary.csv: one row per completed run under DIR/runs, rebuilt from their summary.json.
void rebuild_summary_csv(const std::string& out_dir);

// Loads and checks everything a run needs without simulating (for `tiersim validate`).
void validate_experiment(const Experiment& x);

}  // namespace tiersim
