#pragma once
// Server selection: which server of a tier serves a request. One file per rule in this folder,
// registered by name; `servers.selection` is {"rule": NAME, ...its parameters} (default
// "static"). See README.md here.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.hpp"
#include "core/registry.hpp"
#include "io/platform.hpp"

namespace tiersim {

// What a server looks like at decision time. The SimGrid engine fills it from its queues.
struct ServerLoad {
  long long queued = 0;      // requests waiting for a worker
  long long in_service = 0;  // requests being served (in a batch: each member counts)
  long long total() const { return queued + in_service; }
};

struct SelectionContext {
  const Platform& platform;
  const HostInfo& device;                          // the request's device
  Tier tier;                                       // the tier it goes to
  const std::vector<const HostInfo*>& candidates;  // that tier's servers that are up, in name order
  // Load of candidate i at decision time (only per-request rules ask; zero without load).
  const std::function<ServerLoad(std::size_t)>& load;
  std::uint64_t request;  // the request's id, for seeded draws (core/rng.hpp)
  std::uint64_t seed;
};

class ServerSelector {
 public:
  virtual ~ServerSelector() = default;
  // Index into ctx.candidates of the server that takes the request.
  virtual std::size_t select(const SelectionContext& ctx) = 0;
  // Whether the choice may differ between requests of one device (round robin, random draws,
  // load). Rules that return false are asked once per device and tier, at set-up.
  virtual bool per_request() const { return false; }
};

// The static rule's choice: the device's `edge` host property on the edge tier when it is a
// candidate, else the first candidate.
std::size_t static_choice(const SelectionContext& ctx);

// The index in [0, n) with the smallest key(i), the first one on ties (candidates are in name order).
template <class Key>
std::size_t first_minimum(std::size_t n, Key key) {
  std::size_t best = 0;
  auto best_key = key(0);
  for (std::size_t i = 1; i < n; ++i)
    if (auto k = key(i); k < best_key) {
      best = i;
      best_key = k;
    }
  return best;
}

struct SelectorInfo {
  std::string name, summary;
  std::function<std::unique_ptr<ServerSelector>(JsonReader& params)> make;
};

using ServerSelectors = Registry<SelectorInfo>;

// Builds the rule named by `selection`'s "rule" key; unknown rules and parameters throw
// InputError with the JSON path.
std::unique_ptr<ServerSelector> make_server_selector(JsonReader selection);

}  // namespace tiersim
