#include "engines/link_pool.hpp"

#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <unordered_map>

#include "network/network_model.hpp"

namespace tiersim {

namespace sg4 = simgrid::s4u;

namespace {

struct Route {
  std::vector<sg4::Link*> links;
  double latency = 0;
};

// Device host h's routes to and from every server, in server order.
std::vector<Route> routes_of(sg4::Host* h, const std::vector<sg4::Host*>& servers) {
  std::vector<Route> out;
  for (sg4::Host* s : servers) {
    for (auto [from, to] : {std::pair{h, s}, std::pair{s, h}}) {
      Route r;
      from->route_to(to, r.links, &r.latency);
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

std::uint64_t address(const void* p) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)); }

}  // namespace

LinkPool::LinkPool(const std::vector<sg4::Host*>& devices, const std::vector<sg4::Host*>& servers,
                   const NetworkModelInfo& network) {
  // Which device hosts use each link (a link between servers counts as used by all).
  std::vector<std::vector<Route>> routes;
  routes.reserve(devices.size());
  std::unordered_map<const sg4::Link*, const sg4::Host*> user;  // its only device host; nullptr: several
  for (sg4::Host* h : devices) {
    routes.push_back(routes_of(h, servers));
    for (const Route& r : routes.back())
      for (const sg4::Link* l : r.links) {
        auto [it, fresh] = user.try_emplace(l, h);
        if (!fresh && it->second != h) it->second = nullptr;
      }
  }
  for (sg4::Host* a : servers)
    for (sg4::Host* b : servers)
      if (a != b) {
        Route r;
        a->route_to(b, r.links, &r.latency);
        for (const sg4::Link* l : r.links) user[l] = nullptr;
      }
  // A device's class: its routes with its own links described by what SimGrid and the network model
  // see of them, the shared ones by identity (numbers and addresses as 64-bit words).
  std::map<std::vector<std::uint64_t>, int> class_of;
  holders_.resize(devices.size());
  std::vector<std::uint64_t> key;
  for (std::size_t d = 0; d < devices.size(); ++d) {
    key.clear();
    for (const Route& r : routes[d]) {
      key.insert(key.end(), {bits(r.latency), address(network.route_factors(r.links)), r.links.size()});
      for (const sg4::Link* l : r.links) {
        if (user[l] == devices[d])
          key.insert(key.end(), {bits(l->get_bandwidth()), bits(l->get_latency()),
                                 static_cast<std::uint64_t>(l->get_sharing_policy()), address(network.link_entry(*l))});
        else
          key.insert(key.end(), {0, address(l)});  // 0: no bandwidth is 0 bits, so never an own link's words
      }
    }
    auto [it, fresh] = class_of.try_emplace(key, static_cast<int>(idle_.size()));
    if (fresh) idle_.emplace_back();
    holders_[d].cls = it->second;
  }
  // Every device's own host starts idle in its class; the first ones on top, so a run with few
  // transfers in flight keeps reusing the same few hosts.
  for (std::size_t d = devices.size(); d-- > 0;) idle_[static_cast<std::size_t>(holders_[d].cls)].push_back(devices[d]);
}

sg4::Host* LinkPool::acquire(int d) {
  Holder& h = holders_[static_cast<std::size_t>(d)];
  if (h.in_flight++ == 0) {
    auto& idle = idle_[static_cast<std::size_t>(h.cls)];
    h.host = idle.back();  // never empty: a class has as many hosts as devices
    idle.pop_back();
  }
  return h.host;
}

void LinkPool::release(int d) {
  Holder& h = holders_[static_cast<std::size_t>(d)];
  if (--h.in_flight == 0) {
    idle_[static_cast<std::size_t>(h.cls)].push_back(h.host);
    h.host = nullptr;
  }
}

}  // namespace tiersim
