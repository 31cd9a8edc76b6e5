#include "model/topology.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace tiersim {

Topology::Topology(const Platform& platform, const ServersConfig& config, int devices, const ModelProfile& profile,
                   const std::string& where)
    : platform_(platform),
      config_(config),
      selector_(make_server_selector(JsonReader(config.selection, where, "/servers/selection"))) {
  platform.require_role(Tier::Mobile, "the workload's devices");
  for (int t = 1; t < kTiers; ++t)
    if (profile.tiers[t].first >= 0 || profile.tiers[t].full_model)
      platform.require_role(static_cast<Tier>(t), fmt::format("profile {} (tier {})", profile.path, kTierNames[t]));
  const auto& mobiles = platform.hosts(Tier::Mobile);
  if (static_cast<int>(mobiles.size()) < devices)
    throw InputError(fmt::format("{}: /workload/devices: expected at most the {} mobile hosts of {}, got {}", where,
                                 mobiles.size(), platform.path(), devices));
  std::array<std::vector<const HostInfo*>, kTiers> candidates;
  for (int t = 1; t < kTiers; ++t)
    for (const auto& h : platform.hosts(static_cast<Tier>(t))) candidates[t].push_back(&h);
  for (int d = 0; d < devices; ++d) {
    // Every rule today chooses once per device and tier (load-aware rules arrive with the
    // serving layer; the engines will then ask at decision time).
    std::array<const HostInfo*, kTiers> hosts{&mobiles[d], nullptr, nullptr};
    for (int t = 1; t < kTiers; ++t)
      if (!candidates[t].empty())
        hosts[t] = candidates[t][selector_->select(
            {mobiles[d], static_cast<Tier>(t), candidates[t], [](std::size_t) { return ServerLoad{}; }})];
    device_hosts_.push_back(hosts);
  }
}

}  // namespace tiersim
