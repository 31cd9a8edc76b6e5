// Random: each request goes to a server of the tier drawn uniformly (seeded by the run's seed
// and the request's id, so runs repeat exactly).
#include "core/rng.hpp"
#include "model/selection/selector.hpp"

namespace tiersim {

namespace {

class RandomSelector final : public ServerSelector {
 public:
  std::size_t select(const SelectionContext& ctx) override {
    return uniform_index(ctx.seed, kStreamSelection + static_cast<std::uint64_t>(index(ctx.tier)), ctx.request,
                         ctx.candidates.size());
  }
  bool per_request() const override { return true; }
};

const ServerSelectors::Registrar kRandom{{"random", "a server of the tier drawn uniformly per request",
                                          [](JsonReader&) { return std::make_unique<RandomSelector>(); }}};

}  // namespace

}  // namespace tiersim
