// Least loaded (join the shortest queue): the server with the fewest requests waiting plus in
// service when the request is sent, ties by name.
#include "model/selection/selector.hpp"

namespace tiersim {

namespace {

class LeastLoadedSelector final : public ServerSelector {
 public:
  std::size_t select(const SelectionContext& ctx) override {
    return first_minimum(ctx.candidates.size(), [&](std::size_t i) { return ctx.load(i).total(); });
  }
  bool per_request() const override { return true; }
};

const ServerSelectors::Registrar kLeastLoaded{
    {"least_loaded", "the server with the fewest requests queued and in service, ties by name",
     [](JsonReader&) { return std::make_unique<LeastLoadedSelector>(); }}};

}  // namespace

}  // namespace tiersim
