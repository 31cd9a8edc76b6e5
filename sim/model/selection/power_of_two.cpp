// Power of two choices (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing",
// IEEE TPDS 12(10), 2001): two distinct servers of the tier drawn at random (seeded per
// request), the request goes to the less loaded (queued + in service), ties to the one first in
// name order.
#include <utility>

#include "core/rng.hpp"
#include "model/selection/selector.hpp"

namespace tiersim {

namespace {

class PowerOfTwoSelector final : public ServerSelector {
 public:
  std::size_t select(const SelectionContext& ctx) override {
    const std::size_t n = ctx.candidates.size();
    if (n == 1) return 0;
    const std::uint64_t stream = kStreamSelection + 16 + static_cast<std::uint64_t>(index(ctx.tier));
    std::size_t a = uniform_index(ctx.seed, stream, 2 * ctx.request, n);
    std::size_t b = uniform_index(ctx.seed, stream, 2 * ctx.request + 1, n - 1);
    if (b >= a) ++b;  // b uniform over the others
    if (b < a) std::swap(a, b);
    return ctx.load(b).total() < ctx.load(a).total() ? b : a;
  }
  bool per_request() const override { return true; }
};

const ServerSelectors::Registrar kPowerOfTwo{
    {"power_of_two", "two servers drawn at random per request, the less loaded of them",
     [](JsonReader&) { return std::make_unique<PowerOfTwoSelector>(); }}};

}  // namespace

}  // namespace tiersim
