#pragma once
// An experiment configuration (one run point), as read from experiments/*.json.
// Schema: experiments/config.schema.json; reference: experiments/README.md.
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "model/run_setup.hpp"

namespace tiersim {

// An experiment: the model of a run (RunSpec: policy, workload, servers, accounting, network
// model, seed) plus where its inputs live, which engine runs it and what it writes.
struct Experiment : RunSpec {
  std::string name;
  std::string trace_path, profile_path, platform_path;  // resolved against the config's folder
  std::string engine = "simgrid";  // a registered engine (engines/)
  // network.link_bandwidth_Bps: SimGrid link id or glob ("phones_link_*") -> bytes/s, set on the
  // loaded platform, so both engines see it (a bandwidth sweep without editing the XML).
  std::map<std::string, double> link_bandwidth;
  bool requests_csv = false;
};

// Applies "a.b.c=JSON" overrides (from the command line) to a raw config.
void apply_override(nlohmann::json& config, const std::string& assignment);

// Applies the command line's --set overrides in order. One rule more than apply_override: when
// they name another policy (policy.name) and do not set the policy whole, the config's
// policy.params, written for the old policy, are dropped (entropy's thresholds mean something
// else to max_softmax, and all-on-edge takes none); params the overrides set are kept. Returns a
// note saying so ("" when nothing was dropped).
std::string apply_command_line_overrides(nlohmann::json& config, const std::vector<std::string>& overrides);

// Parses and checks a config. Unknown keys and bad values throw InputError with the JSON path.
Experiment parse_experiment(const nlohmann::json& config, const std::string& config_path);

}  // namespace tiersim
