#include "model/selection/selector.hpp"

namespace tiersim {

std::unique_ptr<ServerSelector> make_server_selector(JsonReader selection) {
  auto rule = selection.at("rule");
  const SelectorInfo& info = ServerSelectors::find(rule.string(), rule.where(), "server selection rule");
  auto made = info.make(selection);
  selection.reject_unknown_keys();
  return made;
}

}  // namespace tiersim
