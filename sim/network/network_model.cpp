#include "network/network_model.hpp"

#include <fnmatch.h>
#include <simgrid/kernel/resource/NetworkModelIntf.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <xbt/config.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace tiersim {

double SizeJitter::at(double bytes, double draw) const {
  const std::vector<double>& q = step_at(steps, bytes);
  if (q.size() == 1) return q.front();
  // The quantile function, linear between the tabulated probabilities 0, 1/(n-1), ..., 1; without
  // a draw its mean (trapezoids: 1 for the tables bench/ns3 fits).
  const double n = static_cast<double>(q.size() - 1);
  if (draw < 0) return (std::accumulate(q.begin(), q.end(), 0.0) - (q.front() + q.back()) / 2) / n;
  const double x = draw * n;
  const auto i = std::min(static_cast<std::size_t>(x), q.size() - 2);
  return q[i] + (x - static_cast<double>(i)) * (q[i + 1] - q[i]);
}

double transfer_draw(std::uint64_t seed, std::uint64_t request, int hop) {
  return uniform01(seed, kStreamNetwork + static_cast<std::uint64_t>(hop), request);
}

bool NetworkModelInfo::has_jitter() const {
  return std::any_of(routes.begin(), routes.end(), [](const RouteFactors& r) {
    return std::any_of(r.time_jitter.steps.begin(), r.time_jitter.steps.end(),
                       [](const auto& step) { return step.second.size() > 1 || step.second.front() != 1.0; });
  });
}

void NetworkModelInfo::index_globs() {
  glob_bit.clear();
  int bits = 0;
  for (const auto& r : routes) {
    glob_bit.push_back(bits);
    bits += static_cast<int>(r.through.size());
  }
  if (bits > 64) throw InputError(fmt::format("{}: /routes: expected at most 64 globs in all, got {}", file, bits));
  link_glob_cache.clear();
}

const RouteFactors* NetworkModelInfo::route_factors(const std::vector<simgrid::s4u::Link*>& links) const {
  std::uint64_t crossed = 0;
  for (const auto* link : links) {
    auto [it, fresh] = link_glob_cache.try_emplace(link, 0);
    if (fresh)
      for (std::size_t i = 0; i < routes.size(); ++i)
        for (std::size_t g = 0; g < routes[i].through.size(); ++g)
          if (fnmatch(routes[i].through[g].c_str(), link->get_cname(), 0) == 0)
            it->second |= std::uint64_t{1} << (glob_bit[i] + static_cast<int>(g));
    crossed |= it->second;
  }
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const std::size_t n = routes[i].through.size();
    const std::uint64_t all = (n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1) << glob_bit[i];
    if ((crossed & all) == all) return &routes[i];
  }
  return nullptr;
}

TransferFactors NetworkModelInfo::transfer_factors(double bytes, const std::vector<simgrid::s4u::Link*>& links,
                                                   double draw) const {
  if (routes.empty()) return {latency_factor, bandwidth_factor, tcp_gamma};
  const RouteFactors* r = route_factors(links);
  if (!r) return {1.0, 1.0, tcp_gamma};
  // The jitter scales the latency up and the rate down alike: a lone transfer's whole time (the
  // window bound uses the route's latency before its factor, so it is not scaled twice).
  const double jitter = r->time_jitter.at(bytes, draw);
  return {r->latency.at(bytes) * jitter, r->bandwidth.at(bytes) / jitter,
          r->has_tcp_gamma ? r->tcp_gamma.at(bytes) : tcp_gamma};
}

const LinkCapacity* NetworkModelInfo::link_entry(const simgrid::s4u::Link& link) const {
  for (const auto& l : links)
    if (fnmatch(l.through.c_str(), link.get_cname(), 0) == 0) return &l;
  return nullptr;
}

double NetworkModelInfo::capacity_factor(const simgrid::s4u::Link& link) const {
  const LinkCapacity* l = link_entry(link);
  return l ? l->factor : 1.0;
}

bool NetworkModelInfo::has_route_gammas() const {
  return std::any_of(routes.begin(), routes.end(), [](const RouteFactors& r) { return r.has_tcp_gamma; });
}

double NetworkModelInfo::transfer_time(const RouteInfo& route, double bytes, double draw) const {
  const TransferFactors f = transfer_factors(bytes, route.link_path, draw);
  const double latency = route.latency_s * f.latency;
  if (bytes <= 0) return latency;
  // SimGrid (network_cm02.cpp) bounds a flow by its TCP window, gamma / (2 x route latency), the
  // latency as the platform states it (before the latency factor); the bandwidth factor then
  // scales the flow's whole rate, that bound included.
  double rate = route.bandwidth_bps;
  if (route.latency_s > 0) rate = std::min(rate, f.tcp_gamma / (2.0 * route.latency_s));
  return latency + bytes / (rate * f.bandwidth);
}

// A calibrated model's `links`: every link takes the first entry matching it, its capacity factor
// and its contention decay if any; an entry matching no link is refused.
static void scale_links(const NetworkModelInfo& model, simgrid::s4u::Engine& engine) {
  const auto all = engine.get_all_links();
  for (std::size_t i = 0; i < model.links.size(); ++i)
    if (std::none_of(all.begin(), all.end(), [&](const simgrid::s4u::Link* link) {
          return fnmatch(model.links[i].through.c_str(), link->get_cname(), 0) == 0;
        }))
      throw InputError(fmt::format("{}: /links/{}/through: expected a glob matching a link of the platform, got \"{}\"",
                                   model.file, i, model.links[i].through));
  for (auto* link : all)
    if (const LinkCapacity* l = model.link_entry(*link)) {
      link->set_bandwidth(link->get_bandwidth() * l->factor);
      if (l->contention_decay > 0) model.contention->watch(link, l->contention_decay, l->contention_up_to);
    }
  if (model.contention) model.contention->connect();
}

void install_network_factors(const NetworkModelInfo& model, simgrid::s4u::Engine& engine) {
  if (!model.links.empty()) scale_links(model, engine);
  if (model.routes.empty() && !model.contention) return;
  auto* network = engine.get_netzone_root()->get_network_model();
  const NetworkModelInfo* m = &model;  // outlives the engine's runs: the session keeps it
  network->set_lat_factor_cb([m](double size, const simgrid::s4u::Host*, const simgrid::s4u::Host*,
                                 const std::vector<simgrid::s4u::Link*>& links,
                                 const std::unordered_set<simgrid::s4u::NetZone*>&) {
    return m->transfer_factors(size, links, m->pending_draw).latency;
  });
  // CM02 asks for the bandwidth factor once per comm it starts, right before it bounds the flow by
  // network/TCP-gamma (SimGrid 3.32 has one, read there): the callback sets it to the route's window
  // for this size, and counts the transfer on the links with contention. The engine agreement and
  // hand-computed replay tests (tests/test_network.cpp) fail if a SimGrid release changes that order.
  const bool gammas = model.has_route_gammas();
  network->set_bw_factor_cb([m, gammas](double size, const simgrid::s4u::Host* from, const simgrid::s4u::Host* to,
                                        const std::vector<simgrid::s4u::Link*>& links,
                                        const std::unordered_set<simgrid::s4u::NetZone*>&) {
    const TransferFactors f = m->transfer_factors(size, links, m->pending_draw);
    if (gammas) simgrid::config::set_value("network/TCP-gamma", f.tcp_gamma);
    if (m->contention) m->contention->started(from, to);
    return f.bandwidth;
  });
}

}  // namespace tiersim
