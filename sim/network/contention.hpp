#pragma once
// Links whose capacity falls with the transfers in flight on them, as an 802.11 cell's does
// (collisions and backoff grow with the stations that have data): with n transfers crossing it,
// a watched link offers C / (1 + decay x (min(n, up_to) - 1)), C its capacity with none or one.
// Beyond `up_to` (the most transfers the decay was fitted on) the capacity stays: extrapolated,
// the decay would collapse a saturated cell (the WiFi fit's 0.0245 at 1 000 transfers in flight:
// 4 % of C, and the load experiment at 1 000 phones went from 16 s to 308 s mean latency), which
// 802.11 does not do. SimGrid 3.32 has no such model (3.34's WiFi links decay inside the kernel);
// this one counts transfers as CM02 starts them (its bandwidth-factor callback, called once per
// comm: 3.32 declares Comm::on_start but never defines it) and as they complete
// (Activity::on_completion, whatever their end), and sets the link's bandwidth, so the engines
// and the policies see it without knowing. At vanishing load n = 1: the capacity is C.
#include <simgrid/forward.h>

#include <unordered_map>
#include <vector>

namespace tiersim {

class LinkContention {
 public:
  // Watches `link` with this decay (> 0). Before the signals are connected.
  void watch(simgrid::s4u::Link* link, double decay, int up_to);
  bool empty() const { return links_.empty(); }
  // Connects the completion signal (once per process: it is SimGrid's global signal); the object
  // must outlive every simulation of the process.
  void connect();
  // A transfer from `from` to `to` starts (from the network model's bandwidth-factor callback).
  void started(const simgrid::s4u::Host* from, const simgrid::s4u::Host* to);

 private:
  struct Watched {
    simgrid::s4u::Link* link;
    double decay;
    int up_to;
    double capacity = 0;  // read when the first transfer arrives (config overrides apply before)
    int active = 0;
  };
  const std::vector<int>& crossed(const simgrid::s4u::Host* from, const simgrid::s4u::Host* to);
  void completed(const simgrid::s4u::Comm& comm);
  void set_capacity(Watched& w) const;

  std::vector<Watched> links_;
  bool connected_ = false;
  // (from, to) -> indices in links_ of the watched links of the route, filled as pairs are met.
  std::unordered_map<const simgrid::s4u::Host*, std::unordered_map<const simgrid::s4u::Host*, std::vector<int>>> routes_;
};

}  // namespace tiersim
