#include "model/selection/selector.hpp"

namespace tiersim {

std::size_t static_choice(const SelectionContext& ctx) {
  if (ctx.tier == Tier::Edge && !ctx.device.edge.empty())
    for (std::size_t i = 0; i < ctx.candidates.size(); ++i)
      if (ctx.candidates[i]->name == ctx.device.edge) return i;
  return 0;
}

std::unique_ptr<ServerSelector> make_server_selector(JsonReader selection) {
  auto rule = selection.at("rule");
  const SelectorInfo& info = ServerSelectors::find(rule.string(), rule.where(), "server selection rule");
  auto made = info.make(selection);
  selection.reject_unknown_keys();
  return made;
}

}  // namespace tiersim
