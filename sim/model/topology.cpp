#include "model/topology.hpp"

#include <fmt/format.h>

#include <set>
#include <fnmatch.h>

#include <algorithm>

#include "core/error.hpp"

namespace tiersim {

ServerSettings read_server_settings(JsonReader& reader, ServerSettings base) {
  auto integer_in = [&](const char* key, long long lo, long long hi) {
    auto value = reader.at(key);
    const long long v = value.integer();
    if (v < lo || v > hi) value.fail(fmt::format("an integer from {} to {}", lo, hi));
    return v;
  };
  if (reader.has("workers")) base.workers = static_cast<int>(integer_in("workers", 1, 1000000));
  if (reader.has("queue_capacity")) base.queue_capacity = integer_in("queue_capacity", 0, 1000000000000LL);
  if (reader.has("max_batch")) base.max_batch = static_cast<int>(integer_in("max_batch", 1, 1000000));
  if (reader.has("max_wait_s")) base.max_wait_s = reader.at("max_wait_s").number_in(0, 1e9);
  return base;
}

namespace {

// The settings of `host`: its tier's defaults, overridden by the entry naming it exactly or
// else by the one glob that matches it (two globs matching one host is an error).
ServerSettings settings_for(const HostInfo& host, const ServersConfig& config, const std::string& where) {
  ServerSettings settings = config.tier[index(host.role)];
  const nlohmann::json* entry = nullptr;
  std::string matched;
  for (const auto& [pattern, value] : config.hosts.items()) {
    if (pattern == host.name) {
      entry = &value;
      matched = pattern;
      break;
    }
    if (fnmatch(pattern.c_str(), host.name.c_str(), 0) == 0) {
      if (entry)
        throw InputError(fmt::format("{}: /servers/hosts: host {} matches both \"{}\" and \"{}\"; expected one entry per host",
                                     where, host.name, matched, pattern));
      entry = &value;
      matched = pattern;
    }
  }
  if (!entry) return settings;
  JsonReader reader(*entry, where, "/servers/hosts/" + matched);
  settings = read_server_settings(reader, settings);
  reader.reject_unknown_keys();
  return settings;
}

// A batching server needs the batched-latency model of each stage it runs to cover its batches.
void check_batch_models(const ServerSpec& server, const ModelProfile& profile, const std::string& where) {
  if (!server.settings.batching()) return;
  const TierModel& tier = profile.tiers[index(server.host->role)];
  auto check = [&](const BatchLatency& model, const std::string& what) {
    if (model.given() && model.max_batch() < server.settings.max_batch)
      throw InputError(fmt::format("{}: /servers: server {} batches up to max_batch = {} but {}'s {} lists "
                                   "batch_latency_s only up to b = {}",
                                   where, server.host->name, server.settings.max_batch, profile.path, what,
                                   model.max_batch()));
  };
  for (int st = 0; st < profile.stage_count(); ++st)
    if (tier.runs(st)) check(profile.stages[static_cast<std::size_t>(st)].batch, "stage \"" + profile.stages[static_cast<std::size_t>(st)].name + "\"");
  if (tier.full_model) check(tier.full_model->batch, "full model");
}

// Gives each server its failure windows; a window naming no server, or overlapping another on
// the same host, is refused.
void add_failures(const ServersConfig& config, std::vector<ServerSpec>& servers, const std::string& where) {
  for (std::size_t i = 0; i < config.failures.size(); ++i) {
    const FailureWindow& f = config.failures[i];
    auto server = std::find_if(servers.begin(), servers.end(), [&](const ServerSpec& s) { return s.host->name == f.host; });
    if (server == servers.end())
      throw InputError(fmt::format("{}: /servers/failures/{}/host: expected an edge or cloud host of the platform, got \"{}\"",
                                   where, i, f.host));
    server->down.emplace_back(f.at_s, f.at_s + f.for_s);
  }
  for (auto& s : servers) {
    std::sort(s.down.begin(), s.down.end());
    for (std::size_t k = 1; k < s.down.size(); ++k)
      if (s.down[k].first < s.down[k - 1].second)
        throw InputError(fmt::format("{}: /servers/failures: the failures of {} at {} s and {} s overlap; expected "
                                     "disjoint windows per host",
                                     where, s.host->name, s.down[k - 1].first, s.down[k].first));
  }
}

}  // namespace

Topology::Topology(const Platform& platform, const ServersConfig& config, int devices, const ModelProfile& profile,
                   std::uint64_t seed, const std::string& where)
    : platform_(platform),
      config_(config),
      seed_(seed),
      selector_(make_server_selector(JsonReader(config.selection, where, "/servers/selection"))) {
  platform.require_role(Tier::Mobile, "the workload's devices");
  for (int t = 1; t < kTiers; ++t)
    if (profile.tiers[t].first >= 0 || profile.tiers[t].full_model)
      platform.require_role(static_cast<Tier>(t), fmt::format("profile {} (tier {})", profile.path, kTierNames[t]));
  const auto& mobiles = platform.hosts(Tier::Mobile);
  if (static_cast<int>(mobiles.size()) < devices)
    throw InputError(fmt::format("{}: /workload/devices: expected at most the {} mobile hosts of {}, got {}", where,
                                 mobiles.size(), platform.path(), devices));
  // Every per-host entry must name (or match) an edge or cloud host.
  for (const auto& [pattern, value] : config.hosts.items()) {
    bool matches = false;
    for (int t = 1; t < kTiers && !matches; ++t)
      for (const auto& h : platform.hosts(static_cast<Tier>(t)))
        if (h.name == pattern || fnmatch(pattern.c_str(), h.name.c_str(), 0) == 0) matches = true;
    if (!matches)
      throw InputError(fmt::format("{}: /servers/hosts/{}: expected the name or glob of an edge or cloud host of {}",
                                   where, pattern, platform.path()));
  }
  for (int t = 1; t < kTiers; ++t)
    for (const auto& h : platform.hosts(static_cast<Tier>(t)))
      servers_.push_back({&h, settings_for(h, config, where), static_cast<int>(servers_.size()), {}});
  add_failures(config, servers_, where);
  for (const auto& s : servers_) {
    check_batch_models(s, profile, where);
    by_tier_[index(s.host->role)].push_back(&s);
    candidates_[index(s.host->role)].push_back(s.host);
  }
  static const std::function<ServerLoad(std::size_t)> no_load = [](std::size_t) { return ServerLoad{}; };
  for (int d = 0; d < devices; ++d) {
    std::array<const ServerSpec*, kTiers> chosen{};
    for (int t = 1; t < kTiers; ++t) {
      if (candidates_[t].empty()) continue;
      const SelectionContext ctx{platform, mobiles[static_cast<std::size_t>(d)], static_cast<Tier>(t), candidates_[t],
                                 no_load, 0, seed};
      chosen[t] = by_tier_[t][per_request() ? static_choice(ctx) : selector_->select(ctx)];
    }
    device_servers_.push_back(chosen);
  }
  check_routes(profile);
}

// Every pair of hosts the run may send data between (a device and the servers it may use, both
// ways; a server and the servers of the tiers above it it may forward to) has a route: SimGrid
// aborts on a transfer without one, and a lone flow over an empty route would take no time.
void Topology::check_routes(const ModelProfile& profile) const {
  std::array<bool, kTiers> used{};
  for (int t = 1; t < kTiers; ++t) used[t] = has_servers(Tier(t)) && (profile.tiers[t].first >= 0 || profile.tiers[t].full_model);
  std::set<std::pair<const HostInfo*, const HostInfo*>> checked;
  auto require = [&](const HostInfo& from, const HostInfo& to) {
    if (!checked.insert({&from, &to}).second || platform_.route(from, to).links > 0) return;
    throw InputError(fmt::format("{}: no route from {} to {}, which the run sends data between; expected a <route> "
                                 "(or a zone route) that connects them",
                                 platform_.path(), from.name, to.name));
  };
  for (int d = 0; d < devices(); ++d) {
    std::array<std::vector<const HostInfo*>, kTiers> targets;
    for (int t = 1; t < kTiers; ++t) {
      if (!used[t]) continue;
      if (per_request())
        targets[t] = candidates_[t];
      else
        targets[t] = {device_servers_[static_cast<std::size_t>(d)][t]->host};
      for (const HostInfo* server : targets[t]) {
        require(device(d), *server);
        require(*server, device(d));
      }
    }
    for (int lower = 1; lower < kTiers; ++lower)
      for (int upper = lower + 1; upper < kTiers; ++upper)
        for (const HostInfo* a : targets[lower])
          for (const HostInfo* b : targets[upper]) require(*a, *b);
  }
}

const ServerSpec* Topology::select(int device, Tier tier, std::uint64_t request,
                                   const std::function<ServerLoad(std::size_t)>& load,
                                   const std::function<bool(const ServerSpec&)>* up) {
  const auto& all = by_tier_[index(tier)];
  if (!up) {
    const SelectionContext ctx{platform_, this->device(device), tier, candidates_[index(tier)], load, request, seed_};
    return all[selector_->select(ctx)];
  }
  std::vector<const ServerSpec*> specs;
  std::vector<const HostInfo*> hosts;
  for (const ServerSpec* s : all)
    if ((*up)(*s)) {
      specs.push_back(s);
      hosts.push_back(s->host);
    }
  if (specs.empty()) return nullptr;
  const std::function<ServerLoad(std::size_t)> load_of_up = [&](std::size_t i) {
    return load(static_cast<std::size_t>(std::find(all.begin(), all.end(), specs[i]) - all.begin()));
  };
  const SelectionContext ctx{platform_, this->device(device), tier, hosts, load_of_up, request, seed_};
  return specs[selector_->select(ctx)];
}

}  // namespace tiersim
