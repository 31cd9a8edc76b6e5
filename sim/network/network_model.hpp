#pragma once
// Network models: one table, name -> the SimGrid configuration the SimGrid engine runs with and
// the closed form the analytic engine uses for a lone flow with exactly the same factors, so
// the two engines agree at vanishing load (tested for every model). One file per model in this
// folder, registered by name; `simulation.network_model` picks one. Calibrated models are data:
// `<platform's folder>/network/<name>.json` (calibrated.cpp reads them), fitted against a
// packet-level ns-3 reference by bench/ns3/. See README.md here.
#include <simgrid/forward.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/registry.hpp"
#include "network/contention.hpp"

namespace tiersim {

struct RouteInfo {
  double latency_s = 0;      // sum of link latencies
  double bandwidth_bps = 0;  // bytes/s of the narrowest link (infinite for an empty route)
  int links = 0;
  std::vector<simgrid::s4u::Link*> link_path;  // the route's links (for per-route factors)
};

// The value of the last of SMPI-style [bytes, value] steps (increasing, the first at 0) at or below
// `bytes`.
template <class T>
const T& step_at(const std::vector<std::pair<double, T>>& steps, double bytes) {
  auto after = std::upper_bound(steps.begin(), steps.end(), bytes,
                                [](double b, const std::pair<double, T>& step) { return b < step.first; });
  return (after == steps.begin() ? steps.front() : *std::prev(after)).second;
}

// A value that depends on the transfer's size, piecewise constant as SimGrid's SMPI factors:
// steps[i].second applies to sizes from steps[i].first (bytes) up to the next step's size.
// The first step starts at 0 bytes. Factors, and windows in bytes.
struct SizeFactor {
  std::vector<std::pair<double, double>> steps{{0.0, 1.0}};
  double at(double bytes) const { return step_at(steps, bytes); }
};

// A random multiplier on a transfer's time by size (piecewise as SizeFactor): the empirical
// distribution of a lone transfer's time over its mean, as quantiles at probabilities evenly spaced
// from 0 to 1 (linear between them; one value: a constant). It stands for what a fluid model has
// no state for, e.g. 802.11's random backoff: ns-3 gives one phone's isolated 100 kB uploads a
// 6 % spread. Drawn per transfer from the counter-based RNG (transfer_draw), so both engines, any
// worker count and any event order see the same multiplier for the same transfer.
struct SizeJitter {
  std::vector<std::pair<double, std::vector<double>>> steps{{0.0, {1.0}}};
  double at(double bytes, double draw) const;  // draw: uniform in (0, 1); kNoDraw: the mean
};

// The factors of the routes through given kinds of link: the first entry of a model each of whose
// globs matches the id of some link of the route applies to the whole route (["phones_*", "wan"]:
// phone -> cloud, listed before "wan" alone and "phones_*" alone).
struct RouteFactors {
  std::vector<std::string> through;  // globs on link ids (fnmatch), e.g. {"wan"} or {"phones_*", "wan"}
  SizeFactor latency, bandwidth;
  // SimGrid's TCP window bound (network/TCP-gamma, bytes) by size for this route (has_tcp_gamma false:
  // the model's). A flow moves at most gamma / (2 x route latency), times the bandwidth factor, so
  // a short transfer still in slow start is held back by its window while a long one, or many at
  // once, reach the link's share: the size factors alone cannot tell N flows from one.
  SizeFactor tcp_gamma;
  bool has_tcp_gamma = false;
  SizeJitter time_jitter;  // multiplies the transfer's time: latency x it, bandwidth / it
};

// A calibrated model's correction of a link's capacity as the platform states it: every link whose id
// matches `through` gets bandwidth x factor (e.g. an 802.11 cell whose MAC delivers 66 % of its PHY rate).
struct LinkCapacity {
  std::string through;
  double factor = 1.0;
  double contention_decay = 0;  // > 0: the capacity falls with the transfers in flight (contention.hpp)
  int contention_up_to = 0;     // ... up to this many in flight (the range it was fitted on), then stays
};

// What a model applies to one transfer: latency and bandwidth factors (its jitter included), and its
// TCP window (bytes).
struct TransferFactors {
  double latency, bandwidth, tcp_gamma;
};

// No draw: a transfer takes its expected time (what a policy's estimate of a transfer uses).
inline constexpr double kNoDraw = -1.0;
// The jitter draw of a request's hop-th transfer (0, 1, ... in the walk's order) in a run seeded
// `seed`: uniform in (0, 1), a pure function of its arguments.
double transfer_draw(std::uint64_t seed, std::uint64_t request, int hop);

struct NetworkModelInfo {
  std::string name, summary;
  std::vector<std::string> simgrid_config;  // "--cfg=..." settings (network/model included)
  // What those settings do to one flow alone on its route (SimGrid 3.32, network_cm02.cpp):
  // latency x latency_factor, then bytes at bandwidth_factor x min(bandwidth, tcp_gamma / (2 x
  // route latency)).
  double latency_factor = 1.0, bandwidth_factor = 1.0;
  double tcp_gamma = 4194304.0;  // SimGrid's network/TCP-gamma default (bytes)
  // Calibrated models: factors by route and size, given to SimGrid's CM02 model as its latency
  // and bandwidth factor callbacks (NetworkModelIntf, 3.32); routes that match no entry keep 1.
  std::vector<RouteFactors> routes = {};
  std::vector<LinkCapacity> links = {};
  // The links with a contention decay, watched once the platform is loaded (shared by the copies
  // of this model: the signals it connects outlive them).
  std::shared_ptr<LinkContention> contention = {};
  std::string file = {};             // the JSON a calibrated model was read from
  std::string fitted_platform = {};  // its "platform": the platform file name it was fitted on

  // The factors and window SimGrid applies to a transfer of `bytes` over these links (one route
  // lookup for all three), its jitter drawn with `draw` (kNoDraw: none). Takes the links as
  // SimGrid's factor callbacks get them: no copy.
  TransferFactors transfer_factors(double bytes, const std::vector<simgrid::s4u::Link*>& links,
                                   double draw = kNoDraw) const;
  // Time of one transfer alone on its route (no contention): what the analytic engine uses.
  double transfer_time(const RouteInfo& route, double bytes, double draw = kNoDraw) const;
  // The SimGrid engine calls this right before it starts a transfer's comm: SimGrid 3.32's factor
  // callbacks see the comm's size and links, not which transfer it is, and CM02 calls them from
  // Comm::start (the engine starts comms from maestro, so nothing runs in between).
  void next_transfer_draw(double draw) const { pending_draw = draw; }
  bool has_jitter() const;
  // The first entry of `links` matching this link (nullptr: none), and its capacity factor (1: none).
  const LinkCapacity* link_entry(const simgrid::s4u::Link& link) const;
  double capacity_factor(const simgrid::s4u::Link& link) const;
  bool has_route_gammas() const;  // whether some route has its own window
  // The entry of `routes` for these links (nullptr: none matches).
  const RouteFactors* route_factors(const std::vector<simgrid::s4u::Link*>& links) const;
  // link -> the (entry, glob) pairs of `routes` its id matches, bit glob_bit[entry] + glob; filled
  // as links are met. A route's links OR'ed together name the entries all of whose globs it crosses.
  mutable std::unordered_map<const simgrid::s4u::Link*, std::uint64_t> link_glob_cache = {};
  std::vector<int> glob_bit = {};  // first bit of each entry of `routes` (set by index_globs)
  void index_globs();              // after `routes` is filled: at most 64 globs in all
  mutable double pending_draw = kNoDraw;  // the draw of the comm being started (next_transfer_draw)
};

using NetworkModels = Registry<NetworkModelInfo>;

// A built-in model (this folder's registry) or a calibrated one, <folder of platform_path>/
// network/<name>.json; else InputError "<where>: unknown network model ... (expected one of:
// the built-in names and the calibrated models found there)". A calibrated file is read strictly:
// its errors name the file and JSON path.
NetworkModelInfo load_network_model(const std::string& name, const std::string& platform_path,
                                    const std::string& where);
// Reads one calibrated model file (see platforms/README.md, "Calibrated network models").
NetworkModelInfo read_calibrated_model(const std::string& name, const std::string& file);

// Hands a calibrated model's factors to the engine's network model and scales the capacity of the
// links it names (after the platform is loaded). InputError "<file>: /links/<i>/through: ..." when a
// link glob matches no link of the platform.
void install_network_factors(const NetworkModelInfo& model, simgrid::s4u::Engine& engine);

}  // namespace tiersim
