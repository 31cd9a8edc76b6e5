#pragma once
// The topology of a run: which platform host each device is, which server of each tier serves
// it (the selection rule's choice), and how many requests a server serves at once. Engines ask
// it for hosts and never read the config.
#include <nlohmann/json.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/tier.hpp"
#include "io/platform.hpp"
#include "io/profile.hpp"
#include "model/selection/selector.hpp"

namespace tiersim {

// The `servers` section of a config, parsed and checked (batch/config.cpp).
struct ServersConfig {
  std::array<int, kTiers> workers{1, 1, 1};  // requests served at once per server (mobile: unused)
  // {"rule": name, ...parameters} (model/selection/), checked when parsed.
  nlohmann::json selection = {{"rule", "static"}};
};

class Topology {
 public:
  // Checks that the platform has the roles the profile runs on and enough mobile hosts;
  // `where` names the config for error messages.
  Topology(const Platform& platform, const ServersConfig& config, int devices, const ModelProfile& profile,
           const std::string& where);

  const Platform& platform() const { return platform_; }
  int devices() const { return static_cast<int>(device_hosts_.size()); }
  const HostInfo& device(int d) const { return *device_hosts_[d][0]; }
  // The host of `tier` that serves device d (its own host for Mobile).
  const HostInfo& host_for(int device, Tier tier) const { return *device_hosts_[device][index(tier)]; }
  bool has_host(int device, Tier tier) const { return device_hosts_[device][index(tier)] != nullptr; }
  int workers(Tier tier) const { return config_.workers[index(tier)]; }

 private:
  const Platform& platform_;
  ServersConfig config_;
  std::unique_ptr<ServerSelector> selector_;
  std::vector<std::array<const HostInfo*, kTiers>> device_hosts_;  // per device: its mobile, edge, cloud host
};

}  // namespace tiersim
