#pragma once
// Network models: one table, name -> the SimGrid configuration the SimGrid engine runs with and
// the closed form the analytic engine uses for a lone flow with exactly the same factors, so
// the two engines agree at vanishing load (tested for every model). One file per model in this
// folder, registered by name; `simulation.network_model` picks one. See README.md here.
#include <string>
#include <vector>

#include "core/registry.hpp"

namespace tiersim {

struct RouteInfo {
  double latency_s = 0;      // sum of link latencies
  double bandwidth_bps = 0;  // bytes/s of the narrowest link (infinite for an empty route)
  int links = 0;
};

struct NetworkModelInfo {
  std::string name, summary;
  std::vector<std::string> simgrid_config;  // "--cfg=..." settings (network/model included)
  // What those settings do to one flow alone on its route (SimGrid 3.32, network_cm02.cpp):
  // latency x latency_factor, then bytes at min(bandwidth x bandwidth_factor, tcp_gamma / (2 x
  // route latency)).
  double latency_factor = 1.0, bandwidth_factor = 1.0;
  double tcp_gamma = 4194304.0;  // SimGrid's network/TCP-gamma default (bytes)

  // Time of one transfer alone on its route (no contention): what the analytic engine uses.
  double transfer_time(const RouteInfo& route, double bytes) const;
};

using NetworkModels = Registry<NetworkModelInfo>;

inline const NetworkModelInfo& find_network_model(const std::string& name, const std::string& where) {
  return NetworkModels::find(name, where, "network model");
}

}  // namespace tiersim
