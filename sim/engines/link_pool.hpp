#pragma once
// Interchangeable device hosts for the SimGrid engine's transfers. A device's transfers cross its
// own links (a phone's WiFi or LTE link: no other device's route uses them) and then shared ones.
// When two devices' own links are alike (same bandwidth, latency, sharing policy and treatment by
// the network model) and every other link of their routes is the same, a transfer gives the same
// times whichever of them carries it, as long as no other transfer is on those links: an idle link
// has no state. So a device with no transfer in flight needs no host of its own: it borrows an
// idle one of its class for as long as it has transfers in flight (its own transfers share it, as
// on its own links), then gives it back. With 10 000 phones and a few in flight at a time, SimGrid
// then touches a few hosts' links (hot in cache) instead of one cold phone's per transfer.
// Used only where nothing else tells the hosts apart: no policy reading link state, no failures,
// no bandwidth profiles, no link energy (EventRun checks, sim/engines/README.md).
#include <simgrid/forward.h>

#include <vector>

namespace tiersim {

struct NetworkModelInfo;

class LinkPool {
 public:
  // devices[d]: device d's own host; servers: every server host its transfers may reach.
  LinkPool(const std::vector<simgrid::s4u::Host*>& devices, const std::vector<simgrid::s4u::Host*>& servers,
           const NetworkModelInfo& network);
  // The host device d's next transfer uses: the one it holds, else an idle one of its class.
  simgrid::s4u::Host* acquire(int d);
  // One of device d's transfers ended: with none left in flight, its host goes back to the class.
  void release(int d);
  int classes() const { return static_cast<int>(idle_.size()); }

 private:
  struct Holder {
    simgrid::s4u::Host* host = nullptr;  // the host it holds (nullptr: none)
    int in_flight = 0;
    int cls = 0;
  };
  std::vector<Holder> holders_;
  std::vector<std::vector<simgrid::s4u::Host*>> idle_;  // per class, last released on top
};

}  // namespace tiersim
