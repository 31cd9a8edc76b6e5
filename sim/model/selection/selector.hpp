#pragma once
// Server selection: which server of a tier serves a device's request. One file per rule in
// this folder, registered by name; `servers.selection` is {"rule": NAME, ...its parameters}
// (default "static"). See README.md here.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.hpp"
#include "io/platform.hpp"
#include "core/registry.hpp"

namespace tiersim {

// What a server looks like at decision time. The SimGrid engine fills it from its queues; the
// analytic engine has no load and gives zeros.
struct ServerLoad {
  int queued = 0;      // requests waiting for a worker
  int in_service = 0;  // requests holding a worker
};

struct SelectionContext {
  const HostInfo& device;                          // the request's device
  Tier tier;                                       // the tier it goes to
  const std::vector<const HostInfo*>& candidates;  // that tier's servers, in name order
  // Load of candidate i at decision time (zero load when the engine has none).
  std::function<ServerLoad(std::size_t)> load;
};

class ServerSelector {
 public:
  virtual ~ServerSelector() = default;
  // Index into ctx.candidates of the server that takes the request.
  virtual std::size_t select(const SelectionContext& ctx) = 0;
  // Whether the choice depends on load (else an engine may choose once per device and tier).
  virtual bool load_aware() const { return false; }
};

struct SelectorInfo {
  std::string name, summary;
  std::function<std::unique_ptr<ServerSelector>(JsonReader& params)> make;
};

using ServerSelectors = Registry<SelectorInfo>;

// Builds the rule named by `selection`'s "rule" key; unknown rules and parameters throw
// InputError with the JSON path.
std::unique_ptr<ServerSelector> make_server_selector(JsonReader selection);

}  // namespace tiersim
