#pragma once
// An experiment configuration (one run point), as read from experiments/*.json.
// Schema: experiments/config.schema.json; reference: experiments/README.md.
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "energy.hpp"

namespace tiersim {

enum class ServiceTime { Deterministic, Exponential };

struct Workload {
  int devices = 1;
  long long requests = 1000;  // in total, spread round-robin over the devices
  // {"process": name, ...parameters}: checked when parsed, built per run (sim/arrivals/).
  nlohmann::json arrival = {{"process", "poisson"}, {"rate_hz", 1.0}};
  bool shuffle = true;        // samples in a seeded random order (else trace order)
  std::string split;          // only samples of this split ("" = all)
  double result_bytes = 64;   // size of the answer sent back to the device
  ServiceTime service = ServiceTime::Deterministic;  // server compute: as profiled, or Exp(mean = profiled)
};

// Costs in abstract units (DIMEC-DC): lambda per layer run on a tier, o per offload (each
// transfer to a higher tier).
struct CostUnits {
  bool enabled = false;
  std::array<double, 3> lambda{1, 1, 1};  // mobile, edge, cloud
  double offload = 0;
};

struct Experiment {
  std::string config_path;  // for error messages
  std::string name;
  std::string trace_path, profile_path, platform_path;  // resolved against the config's folder
  std::string policy_name;
  nlohmann::json policy_params = nlohmann::json::object();
  Workload workload;
  int edge_workers = 1, cloud_workers = 1;
  // servers.selection: {"rule": name, ...parameters} (sim/selection/), checked when parsed.
  nlohmann::json server_selection = {{"rule", "static"}};
  MacEnergyTable mac_energy = MacEnergyTable::defaults_45nm();
  CostUnits cost;
  std::string engine = "simgrid";  // "analytic" | "simgrid"
  std::string network_model = "CM02";
  // network.link_bandwidth_Bps: SimGrid link id or glob ("phones_link_*") -> bytes/s, set on the
  // loaded platform, so both engines see it (a bandwidth sweep without editing the XML).
  std::map<std::string, double> link_bandwidth;
  std::uint64_t seed = 1;
  bool requests_csv = false;
};

// Applies "a.b.c=JSON" overrides (from the command line) to a raw config.
void apply_override(nlohmann::json& config, const std::string& assignment);

// Parses and checks a config. Unknown keys and bad values throw InputError with the JSON path.
Experiment parse_experiment(const nlohmann::json& config, const std::string& config_path);

}  // namespace tiersim
