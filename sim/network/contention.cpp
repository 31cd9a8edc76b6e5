#include "network/contention.hpp"

#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

#include <algorithm>

namespace tiersim {

namespace sg4 = simgrid::s4u;

void LinkContention::watch(sg4::Link* link, double decay, int up_to) {
  for (auto& w : links_)
    if (w.link == link) {
      w.decay = decay;
      w.up_to = up_to;
      return;
    }
  links_.push_back({link, decay, up_to});
}

void LinkContention::connect() {
  if (connected_) return;
  connected_ = true;
  sg4::Activity::on_completion_cb([this](const sg4::Activity& activity) {
    if (const auto* comm = dynamic_cast<const sg4::Comm*>(&activity)) completed(*comm);
  });
}

const std::vector<int>& LinkContention::crossed(const sg4::Host* from, const sg4::Host* to) {
  auto [it, fresh] = routes_[from].try_emplace(to);
  if (fresh) {
    std::vector<sg4::Link*> path;
    double latency = 0;
    from->route_to(to, path, &latency);
    for (std::size_t i = 0; i < links_.size(); ++i)
      if (std::find(path.begin(), path.end(), links_[i].link) != path.end()) it->second.push_back(static_cast<int>(i));
  }
  return it->second;
}

// The transfers the decay counts: 1 with none in flight, at most up_to.
static int counted(int active, int up_to) { return std::clamp(active, 1, std::max(up_to, 1)); }

void LinkContention::set_capacity(Watched& w) const {
  w.link->set_bandwidth(w.capacity / (1.0 + w.decay * (counted(w.active, w.up_to) - 1)));
}

void LinkContention::started(const sg4::Host* from, const sg4::Host* to) {
  for (int i : crossed(from, to)) {
    Watched& w = links_[static_cast<std::size_t>(i)];
    if (w.active == 0) w.capacity = w.link->get_bandwidth();  // none in flight: the full capacity
    const int before = counted(w.active++, w.up_to);
    if (counted(w.active, w.up_to) != before) set_capacity(w);  // beyond up_to nothing changes
  }
}

void LinkContention::completed(const sg4::Comm& comm) {
  const sg4::Host *from = comm.get_source(), *to = comm.get_destination();
  if (!from || !to) return;  // a mailbox comm: tiersim's engines send host to host
  for (int i : crossed(from, to)) {
    Watched& w = links_[static_cast<std::size_t>(i)];
    if (w.active == 0) continue;  // ended before CM02 started it (cancelled): never counted
    const int before = counted(w.active--, w.up_to);
    if (counted(w.active, w.up_to) != before) set_capacity(w);
  }
}

}  // namespace tiersim
