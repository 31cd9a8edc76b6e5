#include "model/run_setup.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"

namespace tiersim {

RunInputs::RunInputs(const std::string& trace_path, const std::string& profile_path, const NetworkModelInfo& network,
                     const std::string& platform_path)
    : trace(load_trace(trace_path)),
      profile(load_profile(profile_path)),
      session(network),
      platform(Platform::load(platform_path, session)) {
  check_profile_against_trace(profile, trace.exits(), trace.path);
}

static std::unique_ptr<Policy> prepared_policy(const RunSpec& spec, const Trace& trace, const ModelProfile& profile) {
  auto policy = make_policy(spec.policy_name, spec.policy_params, spec.config_path);
  policy->prepare(trace, profile);
  return policy;
}

namespace {

// What the inputs hold that no real system has (warnings, not errors: a thought experiment may
// want them). 10^12 MACs is ~50x a ResNet-152 (11.5 GMAC) times a batch of 16; a unit slip
// (MACs for kMACs) lands above it.
std::vector<std::string> implausible_values(const Platform& platform, const NetworkModelInfo& network,
                                            const ModelProfile& profile, const Policy& policy) {
  std::vector<std::string> out = platform.implausible_values();
  // A calibrated model describes the links of the platform it was fitted on; a platform beside it
  // in the same folder shares link names but not their meaning.
  const std::string platform_name = std::filesystem::path(platform.path()).filename().string();
  if (!network.fitted_platform.empty() && network.fitted_platform != platform_name)
    out.push_back(fmt::format("{}: network model {} was fitted on {}, not on {}: its factors describe another "
                              "platform's links", network.file, network.name, network.fitted_platform, platform_name));
  for (const auto& stage : profile.stages)
    if (stage.macs > 1e12)
      out.push_back(fmt::format("{}: stage {} has {:g} MACs, above 10^12 for one sample (is the unit MACs?)",
                                profile.path, stage.name, stage.macs));
  for (auto& w : policy.warnings()) out.push_back(std::move(w));
  return out;
}

}  // namespace

RunSetup::RunSetup(std::shared_ptr<RunInputs> loaded, const RunSpec& spec)
    : inputs(std::move(loaded)),
      trace(inputs->trace),
      profile(inputs->profile),
      session(inputs->session),
      platform(inputs->platform),
      network(inputs->session.network()),
      policy(prepared_policy(spec, trace, profile)),
      workload(spec.workload, trace, spec.seed, spec.config_path,
               std::filesystem::path(spec.config_path).parent_path().string()),
      topology(platform, spec.servers, spec.workload.devices, profile, spec.seed, spec.config_path),
      accounting(spec.accounting, trace, profile),
      power(platform, spec.workload.devices, spec.accounting),
      walk{trace, profile, *policy, spec.seed, spec.workload.result_bytes},
      needs(policy->needs()),
      estimator(profile, platform, network, spec.workload.deadline_s),
      warnings(implausible_values(platform, network, profile, *policy)) {
  if (spec.accounting.compute != ComputeEnergy::HostPower) return;
  std::vector<const HostInfo*> hosts;  // every host the run computes on: devices, then servers
  for (int d = 0; d < topology.devices(); ++d) hosts.push_back(&topology.device(d));
  for (const ServerSpec& server : topology.servers()) hosts.push_back(server.host);
  for (const HostInfo* host : hosts)
    if (!host->has_power)
      throw InputError(fmt::format("{}: host {}: property wattage_per_state: expected the host's power states (needed "
                                   "by energy.compute = host_power in {})", platform.path(), host->name,
                                   spec.config_path));
}

Metrics RunSetup::new_metrics() const {
  Metrics metrics = accounting.new_metrics();
  metrics.set_deadline(workload.deadline_s());
  const AccountingConfig& config = accounting.config();
  Metrics::EnergyRules rules;
  rules.host_power = config.compute == ComputeEnergy::HostPower;
  rules.server_idle = config.server_idle();
  rules.device_idle = config.device_idle();
  rules.radio = power.radio_models();
  for (const ServerSpec& server : topology.servers()) rules.host_idle_w[index(server.host->role)] += server.host->idle_w;
  for (int d = 0; d < topology.devices(); ++d) {
    const double host_idle = topology.device(d).idle_w, radio_idle = power.radio(d).idle_w;
    rules.host_idle_w[0] += host_idle;
    rules.device_idle_w.push_back(host_idle + radio_idle);
    rules.radio_idle_w.push_back(radio_idle);
    if (power.has_battery()) rules.battery_j.push_back(power.battery_j(d));
  }
  metrics.set_energy_rules(std::move(rules));
  return metrics;
}

void RunSetup::name_servers(RequestLog& log) const {
  std::vector<std::string> names;
  for (const auto& server : topology.servers()) names.push_back(server.host->name);
  log.set_server_names(std::move(names));
}

}  // namespace tiersim
