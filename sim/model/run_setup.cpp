#include "model/run_setup.hpp"

#include <filesystem>

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

RunSetup::RunSetup(std::shared_ptr<RunInputs> loaded, const RunSpec& spec)
    : inputs(std::move(loaded)),
      trace(inputs->trace),
      profile(inputs->profile),
      session(inputs->session),
      platform(inputs->platform),
      network(find_network_model(spec.network_model, spec.config_path + ": /simulation/network_model")),
      policy(prepared_policy(spec, trace, profile)),
      workload(spec.workload, trace, spec.seed, spec.config_path,
               std::filesystem::path(spec.config_path).parent_path().string()),
      topology(platform, spec.servers, spec.workload.devices, profile, spec.seed, spec.config_path),
      accounting(spec.accounting, trace, profile),
      walk{trace, profile, *policy, spec.seed, spec.workload.result_bytes},
      needs(policy->needs()),
      estimator(profile, platform, network, spec.workload.deadline_s) {}

Metrics RunSetup::new_metrics() const {
  Metrics metrics = accounting.new_metrics();
  metrics.set_deadline(workload.deadline_s());
  return metrics;
}

void RunSetup::name_servers(RequestLog& log) const {
  std::vector<std::string> names;
  for (const auto& server : topology.servers()) names.push_back(server.host->name);
  log.set_server_names(std::move(names));
}

}  // namespace tiersim
