// Nearest: a device always uses the server of a tier with the lowest route latency from it
// (the sum of the route's link latencies in the platform), ties by name.
#include "model/selection/selector.hpp"

namespace tiersim {

namespace {

class NearestSelector final : public ServerSelector {
 public:
  std::size_t select(const SelectionContext& ctx) override {
    return first_minimum(ctx.candidates.size(),
                         [&](std::size_t i) { return ctx.platform.route(ctx.device, *ctx.candidates[i]).latency_s; });
  }
};

const ServerSelectors::Registrar kNearest{{"nearest", "the server with the lowest route latency from the device",
                                           [](JsonReader&) { return std::make_unique<NearestSelector>(); }}};

}  // namespace

}  // namespace tiersim
