#pragma once
// The topology of a run: which platform host each device is, the servers of each tier with
// their settings (workers, queue capacity, batching), and the selection rule that picks a
// server for a request. Engines ask it for hosts and servers and never read the config.
#include <nlohmann/json.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.hpp"
#include "core/tier.hpp"
#include "io/platform.hpp"
#include "io/profile.hpp"
#include "model/selection/selector.hpp"

namespace tiersim {

// How one server serves: see experiments/README.md ("servers").
struct ServerSettings {
  int workers = 1;                // requests (or batches) served at once
  long long queue_capacity = -1;  // requests that may wait for a worker; -1: unbounded
  int max_batch = 1;              // largest batch a worker serves at once (1: no batching)
  double max_wait_s = 0;          // how long a batch may wait to fill up once a worker is free
  bool batching() const { return max_batch > 1; }
  // Whether this server batches a compute step of `stage` on `tier`: it batches, and the
  // profile gives that stage a batched latency (other stages are served one at a time).
  bool batches(const ModelProfile& profile, int stage, Tier tier) const {
    return batching() && profile.batch_latency(stage, tier).given();
  }
};

// Reads the keys of a server-settings object over `base` (batch/config.cpp and the per-host
// entries); unknown keys are rejected by the caller.
ServerSettings read_server_settings(JsonReader& reader, ServerSettings base);

// A server is down over [at_s, at_s + for_s).
struct FailureWindow {
  std::string host;
  double at_s = 0, for_s = 0;
};

enum class OnFailure { Lose, Resend };

// The `servers` section of a config, parsed and checked (batch/config.cpp).
struct ServersConfig {
  std::array<ServerSettings, kTiers> tier{};  // defaults per tier (mobile: unused)
  // {"host name or glob": {settings}}: checked against the platform when the run is set up.
  nlohmann::json hosts = nlohmann::json::object();
  // {"rule": name, ...parameters} (model/selection/), checked when parsed.
  nlohmann::json selection = {{"rule", "static"}};
  std::vector<FailureWindow> failures;  // checked against the platform when the run is set up
  OnFailure on_failure = OnFailure::Lose;  // requests queued or in service on a failing server
};

// A server of the run: a platform host with role edge or cloud and its settings.
struct ServerSpec {
  const HostInfo* host = nullptr;
  ServerSettings settings;
  int index = 0;  // position in Topology::servers()
  std::vector<std::pair<double, double>> down;  // failure windows [from, to), in time order
};

class Topology {
 public:
  // Checks that the platform has the roles the profile runs on and enough mobile hosts, and
  // that every per-host entry names edge or cloud hosts; `where` names the config.
  Topology(const Platform& platform, const ServersConfig& config, int devices, const ModelProfile& profile,
           std::uint64_t seed, const std::string& where);
  Topology(const Topology&) = delete;  // servers_of() points into servers()
  Topology& operator=(const Topology&) = delete;

  const Platform& platform() const { return platform_; }
  int devices() const { return static_cast<int>(device_servers_.size()); }
  const HostInfo& device(int d) const { return platform_.hosts(Tier::Mobile)[static_cast<std::size_t>(d)]; }
  // Every server (edge, then cloud, each in name order) and those of one tier.
  const std::vector<ServerSpec>& servers() const { return servers_; }
  const std::vector<const ServerSpec*>& servers_of(Tier tier) const { return by_tier_[index(tier)]; }
  bool has_servers(Tier tier) const { return !by_tier_[index(tier)].empty(); }

  // The selection rule, and whether it chooses per request (then engines ask `select` at
  // decision time; else the choice is made once per device and tier: `fixed_server`).
  ServerSelector& selector() { return *selector_; }
  bool per_request() const { return selector_->per_request(); }
  // The server of `tier` device d uses when the rule chooses once per device — or, for a
  // per-request rule, the zero-load fallback engines without load use (the static rule's choice).
  const ServerSpec& fixed_server(int device, Tier tier) const {
    return *device_servers_[static_cast<std::size_t>(device)][index(tier)];
  }
  // Asks the rule for a server of `tier` for a request of device d, given each candidate's load;
  // with `up`, only among the servers it accepts (nullptr when none is up).
  const ServerSpec* select(int device, Tier tier, std::uint64_t request,
                           const std::function<ServerLoad(std::size_t)>& load,
                           const std::function<bool(const ServerSpec&)>* up = nullptr);
  bool has_failures() const { return !config_.failures.empty(); }
  OnFailure on_failure() const { return config_.on_failure; }

 private:
  void check_routes(const ModelProfile& profile) const;
  const Platform& platform_;
  ServersConfig config_;
  std::uint64_t seed_;
  std::unique_ptr<ServerSelector> selector_;
  std::vector<ServerSpec> servers_;
  std::array<std::vector<const ServerSpec*>, kTiers> by_tier_;
  std::array<std::vector<const HostInfo*>, kTiers> candidates_;  // by_tier_'s hosts
  std::vector<std::array<const ServerSpec*, kTiers>> device_servers_;  // per device: nullptr, edge, cloud
};

}  // namespace tiersim
