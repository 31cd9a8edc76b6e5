#pragma once
// The platform as tiersim sees it: hosts by role with their speed, cores and power, and
// host-to-host routes. Read from a SimGrid XML file through SimGrid itself, so that both
// engines see exactly the platform SimGrid simulates.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "network/network_model.hpp"
#include "core/tier.hpp"

namespace simgrid::s4u {
class Engine;
class Host;
class Link;
}  // namespace simgrid::s4u

namespace tiersim {

// A host's properties as SimGrid holds them (<prop id=".." value=".."/> in the XML).
using HostProperties = std::unordered_map<std::string, std::string>;

struct HostInfo {
  std::string name;
  Tier role = Tier::Mobile;
  simgrid::s4u::Host* host = nullptr;
  const HostProperties* properties = nullptr;  // all of them (radio.*, battery_*: model/device_power.cpp)
  double speed = 0;  // MAC/s of one core (SimGrid "flops")
  int cores = 1;
  bool has_power = false;  // wattage_per_state given (else the host counts 0 W)
  double idle_w = 0, epsilon_w = 0, all_cores_w = 0;  // first power state of wattage_per_state
  double radio_tx_w = 0, radio_rx_w = 0;              // mobile radio power while sending/receiving
  std::string edge;                                    // mobile only: its edge server ("" = first)
  // Extra power drawn while one core computes: SimGrid 3.32's host energy plugin draws
  // epsilon + (all_cores - epsilon) * load, with load = busy cores / cores.
  double busy_core_w() const { return epsilon_w + (all_cores_w - epsilon_w) / cores - idle_w; }
};

// A host property's value read as a number: the whole text, finite, >= 0 (> 0 when `positive`);
// else InputError "FILE: host HOST: property KEY="VALUE": expected a number >= 0".
double host_property_number(const std::string& file, const std::string& host, const std::string& key,
                            const std::string& value, bool positive = false);

// A property's value, or null when the host does not have it (or has no properties at all).
const char* host_property(const HostProperties* properties, const char* key);

// tiersim's reading of one host's properties (role, wattage_per_state, radio_tx_w/_rx_w, edge),
// apart from SimGrid so that it can be tested and fuzzed alone; nullopt for a host without a
// role (a router, a switch). Bad values throw InputError naming the file, host and property.
std::optional<HostInfo> read_host_info(const std::string& file, const std::string& name, double speed, int cores,
                                       const HostProperties& properties);

// Whether each of `words` occurs in the file, read in blocks (a large platform is never held whole).
std::vector<bool> file_mentions(const std::string& path, const std::vector<std::string>& words);

// SimGrid settings shared by both engines (the network model's among them). Creates the
// process's single SimGrid engine.
struct SimgridSession {
  explicit SimgridSession(NetworkModelInfo network, bool quiet = true);
  ~SimgridSession();
  simgrid::s4u::Engine& engine() { return *engine_; }
  const NetworkModelInfo& network() const { return network_; }
  NetworkModelInfo network_;
  std::unique_ptr<simgrid::s4u::Engine> engine_;
};

class Platform {
 public:
  // Loads the XML into the session's engine (energy plugins are initialised first).
  static Platform load(const std::string& xml_path, SimgridSession& session);
  // The platform of these hosts (from read_host_info; their `host` may be null outside SimGrid):
  // sorted by role in natural name order, each mobile's edge checked to exist.
  static Platform from_hosts(const std::string& xml_path, std::vector<HostInfo> hosts);

  const std::string& path() const { return path_; }
  const std::vector<HostInfo>& hosts(Tier role) const { return by_role_[index(role)]; }
  RouteInfo route(const HostInfo& from, const HostInfo& to) const { return shared_route(from, to, nullptr); }
  // The route as a new flow sees it when `flows_on(link)` transfers are already in flight on each
  // link: SimGrid's flow model shares a link fairly, so its bandwidth counts as
  // bandwidth / (flows + 1); `busiest` (if given) gets the largest count. Null `flows_on`: none.
  RouteInfo shared_route(const HostInfo& from, const HostInfo& to,
                         const std::function<long long(const simgrid::s4u::Link*)>* flows_on,
                         long long* busiest = nullptr) const;
  bool has_link_energy() const { return link_energy_; }
  // Whether hosts or links have availability, state or speed profiles (their speed may change).
  bool has_profiles() const { return profiles_; }
  // Sets the bandwidth of every link whose id matches the glob, times the network model's capacity
  // factor for that link (a calibrated model's correction applies to the new capacity too); returns
  // how many matched.
  int set_link_bandwidth(const std::string& glob, double bytes_per_s, const NetworkModelInfo& network);
  std::string example_link_ids() const;  // a few link ids, for error messages

  // Values no real platform has, as warnings (one line each, the run goes on): a link below
  // 1 kB/s or above 1 Tb/s, a latency above 10 s, a radio power above 10 W (radio_tx_w,
  // radio_rx_w, radio.*_w). Links after the config's bandwidth overrides.
  std::vector<std::string> implausible_values() const;

  // Throws InputError naming the file when no host has the role.
  void require_role(Tier role, const std::string& needed_by) const;

 private:
  std::string path_;
  std::array<std::vector<HostInfo>, kTiers> by_role_;
  std::map<std::string, std::size_t> edge_index_;
  bool link_energy_ = false;
  bool profiles_ = false;
  // implausible_values' findings, kept between the runs of a sweep (links': until
  // set_link_bandwidth; radios': for good).
  mutable std::optional<std::vector<std::string>> link_findings_, radio_findings_;
};

}  // namespace tiersim
