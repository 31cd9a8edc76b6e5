#pragma once
// Sweeps: an experiment config's "sweep" section varies config values by their dotted path.
//   "sweep": {
//     "grid": {"policy.params.thresholds": [0.1, 0.2], "workload.devices": {"range": [10, 110, 50]}},
//     "zip":  {"workload.arrival.rate_hz": [1, 2], "servers.edge.workers": [2, 4]},
//     "seeds": 3
//   }
// grid: cartesian product; zip: lists of one length varied together (one more factor of the
// product); seeds: replications with simulation.seed = base, base + 1, ... A value list is an
// array or {"range": [start, stop, step]} (stop excluded), {"linspace": [a, b, n]},
// {"logspace": [a, b, n]} (10^a .. 10^b).
// "sweep" may also be a list of such objects, whose points are joined; each may carry
// "set": {path: value} applied before its grid, e.g. to compare several policies, each over
// its own parameters, in one results directory:
//   "sweep": [{"set": {"policy": {"name": "all-in-cloud"}}},
//             {"set": {"policy": {"name": "entropy", "params": {"thresholds": 0.1}}},
//              "grid": {"policy.params.thresholds": {"linspace": [0, 1, 11]}}}]
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tiersim {

struct RunPoint {
  std::string id;         // stable: the config's name, plus a hash of the resolved config in a sweep
  nlohmann::json config;  // resolved: the base config with this point's values, no "sweep"
  nlohmann::json values = nlohmann::json::object();  // swept path -> value (and seed), for the summary
};

// Expands a config into its run points (one, when it has no sweep). Errors name the config
// file and the /sweep/... path.
std::vector<RunPoint> expand_sweep(const nlohmann::json& config, const std::string& config_path);

// Stable hexadecimal hash of a JSON value (of its compact dump, keys sorted).
std::string config_hash(const nlohmann::json& config);

}  // namespace tiersim
