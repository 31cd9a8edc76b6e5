#include "io/platform.hpp"

#include <fmt/format.h>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace tiersim {

SimgridSession::SimgridSession(NetworkModelInfo network, bool quiet) : network_(std::move(network)) {
  std::vector<std::string> args{"tiersim",
                                // No reverse "ACK" flow on each link: transfers use only their own route.
                                "--cfg=network/crosstraffic:0",
                                // The network model re-solves every flow at each event instead of
                                // SimGrid 3.32's default lazy heap updates: the same model (results
                                // agree to ~1e-12 relative; every test unchanged), and faster here,
                                // where the flows of a step share the access link anyway — measured
                                // on bench/engine_vs_floor.sh's workload: -24 % wall time at 100
                                // devices, -13 % at 10 000; 1 000 phones overloading one access
                                // point (hundreds of concurrent flows): -5 %; 10 000 phones
                                // uploading at once (closed loop, 30 000 requests): 81 s, against
                                // 186-214 s lazy.
                                "--cfg=network/optim:Full"};
  args.insert(args.end(), network_.simgrid_config.begin(), network_.simgrid_config.end());
  if (quiet) args.emplace_back("--log=root.thres:critical");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  engine_ = std::make_unique<simgrid::s4u::Engine>(&argc, argv.data());
}

// SimGrid allows one engine per process, so the session lives until the process exits: its
// platform is freed by the exit rather than torn down (tearing down a 10 000-host platform
// cost 81 M instructions, 5 % of a 20 000-request run).
// Kept reachable from a global, so that LeakSanitizer (scripts/test_sanitizers.sh) does not
// report the engine left to the exit as a leak.
SimgridSession::~SimgridSession() {
  static std::vector<simgrid::s4u::Engine*> left_to_exit;
  left_to_exit.push_back(engine_.release());
}

// Read in 1 MiB blocks with a word's length of overlap: a large platform is never held whole
// (SimGrid's own parser streams it too).
std::vector<bool> file_mentions(const std::string& path, const std::vector<std::string>& words) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file (expected a SimGrid platform XML)", path));
  std::size_t longest = 0;
  for (const auto& w : words) longest = std::max(longest, w.size());
  std::vector<bool> found(words.size(), false);
  std::string window;
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    window.append(block.data(), static_cast<std::size_t>(in.gcount()));
    for (std::size_t i = 0; i < words.size(); ++i)
      if (!found[i] && window.find(words[i]) != std::string::npos) found[i] = true;
    if (window.size() > longest) window.erase(0, window.size() - longest);
  }
  return found;
}

double host_property_number(const std::string& file, const std::string& host, const std::string& key,
                            const std::string& value, bool positive) {
  try {
    std::size_t used = 0;
    const double v = std::stod(value, &used);
    if (used == value.size() && std::isfinite(v) && (positive ? v > 0 : v >= 0)) return v;
  } catch (const std::exception&) {
  }
  throw InputError(fmt::format("{}: host {}: property {}=\"{}\": expected a number {} 0", file, host, key, value,
                               positive ? ">" : ">="));
}

const char* host_property(const HostProperties* properties, const char* key) {
  if (!properties) return nullptr;
  const auto it = properties->find(key);
  return it == properties->end() ? nullptr : it->second.c_str();
}

namespace {

// A property that may be absent (then 0).
double property_number(const HostProperties& props, const char* key, const std::string& file,
                       const std::string& host) {
  const char* v = host_property(&props, key);
  return v ? host_property_number(file, host, key, v) : 0.0;
}

// "idle:epsilon:all_cores" (first power state; later states after commas are not used).
void read_power(HostInfo& info, const HostProperties& props, const std::string& file) {
  const char* v = host_property(&props, "wattage_per_state");
  if (!v) return;
  std::vector<double> w;
  for (const char* p = v; *p && *p != ',';) {  // the first state: numbers separated by ':'
    char* end = nullptr;
    w.push_back(std::strtod(p, &end));
    if (end == p || (*end && *end != ':' && *end != ',')) {
      w.clear();
      break;
    }
    p = *end == ':' ? end + 1 : end;
  }
  if (w.size() != 3)
    throw InputError(fmt::format("{}: host {}: wattage_per_state=\"{}\": expected \"idle:epsilon:all_cores\" watts",
                                 file, info.name, v));
  info.has_power = true;
  info.idle_w = w[0];
  info.epsilon_w = w[1];
  info.all_cores_w = w[2];
}

}  // namespace

std::optional<HostInfo> read_host_info(const std::string& file, const std::string& name, double speed, int cores,
                                       const HostProperties& props) {
  const char* role = host_property(&props, "role");
  if (!role) return std::nullopt;
  auto tier = tier_from_name(role);
  if (!tier)
    throw InputError(fmt::format("{}: host {}: role=\"{}\": expected mobile, edge or cloud", file, name, role));
  HostInfo info;
  info.name = name;
  info.role = *tier;
  info.speed = speed;
  info.cores = cores;
  info.properties = &props;
  read_power(info, props, file);
  info.radio_tx_w = property_number(props, "radio_tx_w", file, name);
  info.radio_rx_w = property_number(props, "radio_rx_w", file, name);
  if (const char* edge = host_property(&props, "edge")) info.edge = edge;
  return info;
}

static bool natural_less(const HostInfo& a, const HostInfo& b) {
  return a.name.size() != b.name.size() ? a.name.size() < b.name.size() : a.name < b.name;
}

// Hosts in natural name order. Sorts indices and moves each host once: sorting the hosts
// themselves swapped their strings ~n log n times (64 M instructions for 10 000 phones).
static void sort_hosts(std::vector<HostInfo>& hosts) {
  if (std::is_sorted(hosts.begin(), hosts.end(), natural_less)) return;
  std::vector<std::size_t> order(hosts.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return natural_less(hosts[a], hosts[b]); });
  std::vector<HostInfo> sorted;
  sorted.reserve(hosts.size());
  for (std::size_t i : order) sorted.push_back(std::move(hosts[i]));
  hosts = std::move(sorted);
}

Platform Platform::load(const std::string& xml_path, SimgridSession& session) {
  // Host energy is integrated by the engines (engines/host_energy.hpp), not by SimGrid's host
  // energy plugin. The link energy plugin must be initialised before the platform is loaded.
  const std::vector<std::string> profile_words{"availability_file", "state_file", "speed_file", "bandwidth_file",
                                               "latency_file", "trace_connect", "<trace ", "wattage_range"};
  const auto found = file_mentions(xml_path, profile_words);
  const bool link_energy = found.back();
  const bool profiles = std::find(found.begin(), found.end() - 1, true) != found.end() - 1;
  if (link_energy) sg_link_energy_plugin_init();
  try {
    session.engine().load_platform(xml_path);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("{}: SimGrid cannot load this platform: {}", xml_path, e.what()));
  }
  install_network_factors(session.network(), session.engine());
  static const HostProperties kNone;
  std::vector<HostInfo> hosts;
  for (auto* h : session.engine().get_all_hosts()) {
    const auto* props = h->get_properties();
    auto info = read_host_info(xml_path, h->get_name(), h->get_speed(), h->get_core_count(), props ? *props : kNone);
    if (!info) continue;
    info->host = h;
    hosts.push_back(std::move(*info));
  }
  Platform p = from_hosts(xml_path, std::move(hosts));
  p.profiles_ = profiles;
  p.link_energy_ = link_energy;
  return p;
}

Platform Platform::from_hosts(const std::string& xml_path, std::vector<HostInfo> hosts) {
  Platform p;
  p.path_ = xml_path;
  for (auto& info : hosts) p.by_role_[index(info.role)].push_back(std::move(info));
  for (auto& list : p.by_role_) sort_hosts(list);
  for (std::size_t i = 0; i < p.by_role_[index(Tier::Edge)].size(); ++i)
    p.edge_index_[p.by_role_[index(Tier::Edge)][i].name] = i;
  for (const auto& m : p.by_role_[index(Tier::Mobile)])
    if (!m.edge.empty() && !p.edge_index_.count(m.edge))
      throw InputError(fmt::format("{}: host {}: edge=\"{}\": expected the name of a host with role=edge",
                                   xml_path, m.name, m.edge));
  return p;
}

int Platform::set_link_bandwidth(const std::string& glob, double bytes_per_s, const NetworkModelInfo& network) {
  int matched = 0;
  for (auto* link : simgrid::s4u::Engine::get_instance()->get_all_links())
    if (fnmatch(glob.c_str(), link->get_cname(), 0) == 0) {
      link->set_bandwidth(bytes_per_s * network.capacity_factor(*link));
      link_findings_.reset();
      ++matched;
    }
  return matched;
}

namespace {

// Findings of one kind over many links or hosts (a cluster repeats one value 10 000 times):
// the first, and how many more.
struct Finding {
  std::string first;
  std::size_t more = 0;
  void add(std::string what) {
    if (first.empty()) first = std::move(what);
    else ++more;
  }
  void report(std::vector<std::string>& out, const std::string& path, const char* kind, const char* why) const {
    if (first.empty()) return;
    out.push_back(fmt::format("{}: {}{} {}", path, first, more ? fmt::format(" (and {} more {})", more, kind) : "", why));
  }
};

}  // namespace

std::vector<std::string> Platform::implausible_values() const {
  // Bounds of real hardware: 1 kB/s is below any radio's floor; 1 Tb/s (1.25e11 B/s) above
  // any single link in service; 10 s one-way is beyond a geostationary hop (0.25 s); a phone
  // or IoT radio draws well under 10 W (Halperin et al. 2010: 802.11n 1.3-2.1 W; Huang et al.,
  // MobiSys 2012: LTE up to ~3.5 W). A unit slip (bps for Bps, ms for s) lands outside them.
  // Kept between runs (every run of a sweep asks; scanning 10 000 phones each time took half of
  // a 1 000-point analytic sweep): the links' until a bandwidth changes, the radios' for good.
  if (!link_findings_) {
    Finding slow, fast, late;
    for (auto* link : simgrid::s4u::Engine::get_instance()->get_all_links()) {
      // A link meant to take no time (a model without a network) says so: <prop id="ideal" value="true"/>.
      if (const char* ideal = link->get_property("ideal"); ideal && std::string(ideal) == "true") continue;
      const double bw = link->get_bandwidth(), lat = link->get_latency();
      if (bw < 1e3) slow.add(fmt::format("link {} has bandwidth {:g} B/s", link->get_name(), bw));
      if (bw > 1.25e11) fast.add(fmt::format("link {} has bandwidth {:g} B/s", link->get_name(), bw));
      if (lat > 10) late.add(fmt::format("link {} has latency {:g} s", link->get_name(), lat));
    }
    link_findings_.emplace();
    slow.report(*link_findings_, path_, "links", "below 1 kB/s (SimGrid reads bandwidth in bytes/s: \"12.5MBps\" is 100 Mb/s)");
    fast.report(*link_findings_, path_, "links", "above 1 Tb/s");
    late.report(*link_findings_, path_, "links", "above 10 s one way");
  }
  if (!radio_findings_) {
    Finding radio;
    for (const auto& host : by_role_[index(Tier::Mobile)]) {
      std::vector<std::pair<std::string, double>> powers{{"radio_tx_w", host.radio_tx_w}, {"radio_rx_w", host.radio_rx_w}};
      if (host.properties)
        for (const auto& [key, value] : *host.properties)
          if (key.rfind("radio.", 0) == 0 && key.size() > 2 && key.compare(key.size() - 2, 2, "_w") == 0)
            powers.emplace_back(key, host_property_number(path_, host.name, key, value));
      for (const auto& [key, w] : powers)
        if (w > 10) radio.add(fmt::format("host {} has {} = {:g} W", host.name, key, w));
    }
    radio_findings_.emplace();
    radio.report(*radio_findings_, path_, "values", "above 10 W for a device radio");
  }
  std::vector<std::string> out = *link_findings_;
  out.insert(out.end(), radio_findings_->begin(), radio_findings_->end());
  return out;
}

std::string Platform::example_link_ids() const {
  std::vector<std::string> ids;
  for (auto* link : simgrid::s4u::Engine::get_instance()->get_all_links()) ids.push_back(link->get_name());
  std::sort(ids.begin(), ids.end());
  if (ids.size() > 6) {  // the first few and the last few: cluster links come in long runs
    ids.erase(ids.begin() + 3, ids.end() - 3);
    ids.insert(ids.begin() + 3, "...");
  }
  return fmt::format("{}", fmt::join(ids, ", "));
}

void Platform::require_role(Tier role, const std::string& needed_by) const {
  if (hosts(role).empty())
    throw InputError(fmt::format("{}: no host with property role=\"{}\" (needed by {})", path_, tier_name(role),
                                 needed_by));
}

RouteInfo Platform::shared_route(const HostInfo& from, const HostInfo& to,
                                 const std::function<long long(const simgrid::s4u::Link*)>* flows_on,
                                 long long* busiest) const {
  std::vector<simgrid::s4u::Link*> links;
  RouteInfo r;
  from.host->route_to(to.host, links, &r.latency_s);
  r.bandwidth_bps = std::numeric_limits<double>::infinity();
  if (busiest) *busiest = 0;
  for (auto* l : links) {
    const long long n = flows_on ? (*flows_on)(l) : 0;
    if (busiest) *busiest = std::max(*busiest, n);
    r.bandwidth_bps = std::min(r.bandwidth_bps, l->get_bandwidth() / static_cast<double>(n + 1));
  }
  r.links = static_cast<int>(links.size());
  r.link_path = std::move(links);
  return r;
}

}  // namespace tiersim
