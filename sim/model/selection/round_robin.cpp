// Round robin: the servers of a tier take requests in turn, in the order the requests are sent
// (one turn per tier, over the servers that are up, in name order).
#include <array>

#include "model/selection/selector.hpp"

namespace tiersim {

namespace {

class RoundRobinSelector final : public ServerSelector {
 public:
  std::size_t select(const SelectionContext& ctx) override {
    return static_cast<std::size_t>(turn_[index(ctx.tier)]++ % ctx.candidates.size());
  }
  bool per_request() const override { return true; }

 private:
  std::array<std::uint64_t, kTiers> turn_{};
};

const ServerSelectors::Registrar kRoundRobin{{"round_robin", "the tier's servers in turn, in the order requests are sent",
                                              [](JsonReader&) { return std::make_unique<RoundRobinSelector>(); }}};

}  // namespace

}  // namespace tiersim
