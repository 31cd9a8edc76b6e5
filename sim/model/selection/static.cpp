// Static selection: a device always uses the same server of a tier — the edge host named by its
// `edge` host property in the platform, else the tier's first server in name order.
#include "model/selection/selector.hpp"

namespace tiersim {

namespace {

class StaticSelector final : public ServerSelector {
 public:
  std::size_t select(const SelectionContext& ctx) override { return static_choice(ctx); }
};

const ServerSelectors::Registrar kStatic{{"static", "the device's `edge` host property, else the tier's first server",
                                          [](JsonReader&) { return std::make_unique<StaticSelector>(); }}};

}  // namespace

}  // namespace tiersim
