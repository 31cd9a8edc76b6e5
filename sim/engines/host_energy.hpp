#pragma once
// Host energy above idle, integrated by tiersim exactly as SimGrid 3.32's host energy plugin
// would (src/plugins/host_energy.cpp): a host draws `idle` watts while no core computes and
// epsilon + (all_cores - epsilon) * load while one does, with load = busy cores / cores. Under
// SimGrid's CPU model (Cas01) n executions on a host of c cores load it min(n, c) / c, so the
// power is a step function of the number of running executions, which the engine knows. Not
// loading the plugin saves its per-host set-up (about 40 000 instructions per host: 0.4 G for
// a 10 000-phone platform) and its per-activity callbacks; tests check both against the plugin.
#include <algorithm>

#include "io/platform.hpp"

namespace tiersim {

class HostEnergyMeter {
 public:
  // An execution on one core over [start, end], known in advance (the engine computed it in
  // closed form). Executions must be added in non-decreasing start order, and the host's
  // executions never exceed its cores (each has a core to itself).
  void add_execution(double start, double end) {
    core_seconds_ += end - start;
    if (start >= covered_until_)
      busy_seconds_ += end - start;
    else if (end > covered_until_)
      busy_seconds_ += end - covered_until_;
    covered_until_ = std::max(covered_until_, end);
  }

  // The number of running executions changes by `delta` at `now` (simulated executions, which
  // may outnumber the cores and then share them). Calls come in time order.
  void running_changes(double now, int delta, int cores) {
    if (running_ > 0) {
      busy_seconds_ += now - since_;
      core_seconds_ += (now - since_) * std::min(running_, cores);
    }
    running_ += delta;
    since_ = now;
  }

  // Joules above idle: epsilon - idle while any core is busy, plus (all - epsilon) / cores per
  // busy core-second.
  double joules(const HostInfo& host) const {
    if (!host.has_power) return 0.0;
    return (host.epsilon_w - host.idle_w) * busy_seconds_ + (host.all_cores_w - host.epsilon_w) / host.cores * core_seconds_;
  }

 private:
  double busy_seconds_ = 0;   // time with at least one core busy
  double core_seconds_ = 0;   // busy core-seconds
  double covered_until_ = 0;  // add_execution: end of the busy time seen so far
  int running_ = 0;           // running_changes: executions running since `since_`
  double since_ = 0;
};

}  // namespace tiersim
