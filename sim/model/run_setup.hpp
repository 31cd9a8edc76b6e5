#pragma once
// Everything an engine needs for one run, loaded and checked before anything is simulated:
// the loaded inputs, the policy, and the run's workload, topology and accounting. Engines
// receive a RunSetup and never see the config it came from.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "io/platform.hpp"
#include "io/profile.hpp"
#include "io/trace.hpp"
#include "model/accounting.hpp"
#include "model/device_power.hpp"
#include "model/policy.hpp"
#include "model/state_estimator.hpp"
#include "model/topology.hpp"
#include "model/walk.hpp"
#include "model/workload.hpp"

namespace tiersim {

// The heavy inputs of a run, loaded once: points of a sweep that share them (same trace,
// profile, platform and network model) reuse them within one worker process.
struct RunInputs {
  RunInputs(const std::string& trace_path, const std::string& profile_path, const NetworkModelInfo& network,
            const std::string& platform_path);
  Trace trace;
  ModelProfile profile;
  SimgridSession session;
  Platform platform;
};

// The model of a run as its config states it (parsed and checked by batch/config.cpp).
struct RunSpec {
  std::string config_path;  // names the config in error messages; its folder resolves relative paths
  std::string policy_name;
  nlohmann::json policy_params = nlohmann::json::object();
  WorkloadConfig workload;
  ServersConfig servers;
  AccountingConfig accounting;
  std::string network_model = "CM02";
  std::uint64_t seed = 1;
};

struct RunSetup {
  RunSetup(std::shared_ptr<RunInputs> inputs, const RunSpec& spec);

  std::shared_ptr<RunInputs> inputs;
  const Trace& trace;
  const ModelProfile& profile;
  SimgridSession& session;
  const Platform& platform;
  const NetworkModelInfo& network;
  std::unique_ptr<Policy> policy;
  Workload workload;
  Topology topology;
  Accounting accounting;
  DevicePower power;  // each device's radio model and battery
  WalkSetup walk;
  PolicyNeeds needs;         // what the policy reads besides the trace row (policy->needs())
  StateEstimator estimator;  // the estimates in the SystemState both engines give the policy
  // Implausible values the run goes on with (platform, profile, policy on this trace): one line
  // each, recorded in the summary and printed once per distinct line by the command line.
  std::vector<std::string> warnings;

  // Tells the policy that a request ended (policies that learn from feedback only).
  void observe(const RequestRecord& rec) {
    if (needs.feedback) policy->observe(accounting.outcome(rec));
  }

  // A finished request's record, with all its energy (its radio tail included): into the
  // metrics (which drain it from its device's battery) and the log.
  void record(Metrics& metrics, RequestLog& log, const RequestRecord& rec) {
    metrics.add(rec);
    log.write(rec);
  }
  // What is left of device d's battery when `rec` (in progress) has spent what it holds: the
  // battery less the device energy of its recorded requests and of `rec` so far. NaN: no battery.
  double battery_left(const Metrics& metrics, int device, const RequestRecord& rec) const {
    const bool host_power = accounting.config().compute == ComputeEnergy::HostPower;
    return power.battery_j(device) - metrics.device_energy_j(device) - rec.device_energy_j(host_power);
  }

  // An empty accumulator for this run (accounting's, with the workload's deadline and the energy rules).
  Metrics new_metrics() const;
  // Gives the request log the servers' names.
  void name_servers(RequestLog& log) const;
};

}  // namespace tiersim
