#include "batch/config.hpp"
#include "model/radio/radio.hpp"

#include <fmt/format.h>

#include <cmath>
#include <algorithm>
#include <filesystem>

#include "model/arrivals/arrival.hpp"
#include "engines/engine.hpp"
#include "network/network_model.hpp"
#include "model/selection/selector.hpp"
#include "core/error.hpp"
#include "core/names.hpp"
#include "core/json_reader.hpp"
#include "core/tier.hpp"

namespace tiersim {

// The `energy` section: MAC table, where compute energy comes from, idle rules, radio, battery.
static void read_energy(JsonReader& energy, AccountingConfig& a) {
  a.mac_energy.override_from(energy.optional("pj_per_mac"));
  if (energy.has("compute"))
    a.compute = energy.at("compute").string_in({"macs", "host_power"}) == "host_power" ? ComputeEnergy::HostPower
                                                                                      : ComputeEnergy::Macs;
  if (energy.has("server_idle")) a.server_idle_shared = energy.at("server_idle").string_in({"shared", "excluded"}) == "shared";
  if (energy.has("device_idle")) a.device_idle_shared = energy.at("device_idle").string_in({"shared", "excluded"}) == "shared";
  if (energy.has("radio")) {
    auto radio = energy.at("radio");
    const std::string model = radio.at("model").string();
    a.radio = read_radio_model(model, radio.optional("params"), radio.at("model").where());
    radio.reject_unknown_keys();
  }
  if (energy.has("battery")) {
    auto battery = energy.at("battery");
    if (battery.has("capacity_j")) {
      a.battery_j = battery.at("capacity_j").number_in(1e-9, 1e12);
    } else {
      if (!battery.has("mah") || !battery.has("volts")) battery.fail("{\"capacity_j\": J} or {\"mah\": mAh, \"volts\": V}");
      a.battery_j = battery.at("mah").number_in(1e-9, 1e9) * battery.at("volts").number_in(1e-9, 1e3) * 3.6;  // mWh -> J
    }
    battery.reject_unknown_keys();
  }
  energy.reject_unknown_keys();
}

namespace fs = std::filesystem;

void apply_override(nlohmann::json& config, const std::string& assignment) {
  // Keys and strings of a config are UTF-8 (JSON's own encoding; a summary could not be written).
  if (!valid_utf8(assignment)) throw InputError("--set: expected PATH=VALUE in UTF-8 (the text is not valid UTF-8)");
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(fmt::format("--set {}: expected PATH=VALUE, e.g. simulation.engine=\"analytic\"", assignment));
  std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  // A bare word (anything that is not JSON) is taken as a string.
  const nlohmann::json value =
      parse_json_text(text, fmt::format("--set {}", assignment.substr(0, std::min<std::size_t>(eq, 80)))).value_or(text);
  nlohmann::json* node = &config;
  std::size_t start = 0;
  while (true) {
    auto dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (node->is_null()) *node = nlohmann::json::object();  // create missing sections
    if (!node->is_object()) throw InputError(fmt::format("--set {}: \"{}\" is not inside an object", path, key));
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *node = value;
}

std::string apply_command_line_overrides(nlohmann::json& config, const std::vector<std::string>& overrides) {
  const auto path_of = [](const std::string& o) { return o.substr(0, o.find('=')); };
  const auto policy_name = [](const nlohmann::json& c) {
    const nlohmann::json* name = c.is_object() && c.contains("policy") && c["policy"].is_object() &&
                                         c["policy"].contains("name") ? &c["policy"]["name"] : nullptr;
    return name ? *name : nlohmann::json();
  };
  const nlohmann::json before = policy_name(config);
  const bool had_params = config.is_object() && config.contains("policy") && config["policy"].is_object() &&
                          config["policy"].contains("params");
  const nlohmann::json dropped = had_params ? config["policy"]["params"] : nlohmann::json();
  for (const auto& o : overrides) apply_override(config, o);
  const bool renamed = std::any_of(overrides.begin(), overrides.end(),
                                   [&](const std::string& o) { return path_of(o) == "policy.name"; }) &&
                       policy_name(config) != before;
  const bool whole = std::any_of(overrides.begin(), overrides.end(), [&](const std::string& o) { return path_of(o) == "policy"; });
  if (!renamed || whole || !had_params) return "";
  // Rebuild the params from the overrides alone, in their order.
  config["policy"].erase("params");
  for (const auto& o : overrides)
    if (const std::string p = path_of(o); p == "policy.params" || p.rfind("policy.params.", 0) == 0) apply_override(config, o);
  return fmt::format("--set policy.name={}: the config's policy.params {} were for {} and are dropped; give the new "
                     "policy's with --set policy.params.KEY=VALUE, or set it whole with --set 'policy={{...}}'",
                     policy_name(config).dump(), dropped.dump(), before.dump());
}

static std::string resolve(const std::string& base_dir, JsonReader r) {
  fs::path p = r.string();
  if (p.is_relative()) p = fs::path(base_dir) / p;
  if (!fs::exists(p)) r.fail(fmt::format("an existing file, \"{}\" does not exist", p.string()));
  return p.lexically_normal().string();
}

static void read_workload(JsonReader w, WorkloadConfig& out, const std::string& base_dir) {
  auto devices = w.at("devices");
  const long long device_count = devices.integer_at_least(1);
  if (device_count > 10000000) devices.fail(fmt::format("at most 10 000 000 devices, got {}", device_count));  // checked before narrowing
  out.devices = static_cast<int>(device_count);
  out.requests = w.at("requests").integer_at_least(1);
  auto arrival = w.at("arrival");
  // Built once here so that bad parameters (and a bad timestamp file) fail before anything runs.
  make_arrival_process(arrival, {out.devices, out.requests, 1, base_dir});
  out.arrival = arrival.raw();
  out.shuffle = w.string_or("sample_order", "shuffle") == "shuffle";
  if (w.has("sample_order")) w.at("sample_order").string_in({"shuffle", "trace"});
  out.split = w.string_or("split", "");
  out.result_bytes = w.number_or("result_bytes", 64);
  if (out.result_bytes < 0) w.at("result_bytes").fail("a non-negative number of bytes");
  auto service = w.optional("service_time");
  if (!service.is_null())
    out.service = service.string_in({"deterministic", "exponential"}) == "exponential" ? ServiceTime::Exponential
                                                                                         : ServiceTime::Deterministic;
  if (w.has("deadline_s")) {
    auto deadline = w.at("deadline_s");
    out.deadline_s = deadline.number();
    if (!(out.deadline_s > 0) || !std::isfinite(out.deadline_s)) deadline.fail("a deadline > 0 seconds");
  }
  out.drop_expired = w.boolean_or("drop_expired", false);
  if (out.drop_expired && out.deadline_s == 0) w.at("drop_expired").fail("drop_expired only with workload.deadline_s");
  w.reject_unknown_keys();
}

Experiment parse_experiment(const nlohmann::json& config, const std::string& config_path) {
  JsonReader r(config, config_path);
  Experiment x;
  x.config_path = config_path;
  const std::string dir = fs::path(config_path).parent_path().string();
  x.name = r.at("name").string();
  if (!is_safe_name(x.name))
    r.at("name").fail(fmt::format("a name of at most {} letters, digits, '.', '_' and '-', not starting with '.' "
                                  "(it names the run's folder)",
                                  kMaxNameLength));
  r.optional("description");
  // Which figures `tiersim plot` draws for this experiment's directory (the plot script checks the names).
  if (auto figures = r.optional("figures"); !figures.is_null())
    for (std::size_t i = 0; i < figures.array_size(); ++i) figures.element(i).string();
  x.trace_path = resolve(dir, r.at("trace"));
  x.profile_path = resolve(dir, r.at("profile"));
  x.platform_path = resolve(dir, r.at("platform"));

  auto policy = r.at("policy");
  x.policy_name = policy.at("name").string();
  auto params = policy.optional("params");
  if (!params.is_null()) {
    if (!params.raw().is_object()) params.fail("an object of policy parameters");
    x.policy_params = params.raw();
  }
  policy.reject_unknown_keys();

  read_workload(r.at("workload"), x.workload, dir);

  auto servers = r.optional("servers");
  if (!servers.is_null()) {
    for (int t = 1; t < kTiers; ++t) {
      auto tier = servers.optional(std::string(kTierNames[t]));
      if (tier.is_null()) continue;
      x.servers.tier[t] = read_server_settings(tier, x.servers.tier[t]);
      tier.reject_unknown_keys();
    }
    if (servers.has("hosts")) {
      auto hosts = servers.at("hosts");
      for (const auto& name : hosts.keys()) {  // each entry read strictly here; host names are checked with the platform
        auto entry = hosts.at(name);
        if (!entry.raw().is_object()) entry.fail("an object of server settings");
        read_server_settings(entry, ServerSettings{});
        entry.reject_unknown_keys();
      }
      x.servers.hosts = hosts.raw();
    }
    if (servers.has("failures")) {
      auto failures = servers.at("failures");
      for (std::size_t i = 0; i < failures.array_size(); ++i) {
        auto f = failures.element(i);
        FailureWindow window;
        window.host = f.at("host").string();
        window.at_s = f.at("at_s").number_in(0, 1e12);
        auto duration = f.at("for_s");
        window.for_s = duration.number_in(0, 1e12);
        if (!(window.for_s > 0)) duration.fail("a failure lasting > 0 seconds");
        f.reject_unknown_keys();
        x.servers.failures.push_back(window);
      }
    }
    if (servers.has("on_failure"))
      x.servers.on_failure = servers.at("on_failure").string_in({"lose", "resend"}) == "resend" ? OnFailure::Resend : OnFailure::Lose;
    if (servers.has("selection")) {
      auto selection = servers.at("selection");
      make_server_selector(selection);  // unknown rules and parameters fail here
      x.servers.selection = selection.raw();
    }
    servers.reject_unknown_keys();
  }

  auto energy = r.optional("energy");
  if (!energy.is_null()) read_energy(energy, x.accounting);

  auto cost = r.optional("cost");
  if (!cost.is_null()) {
    x.accounting.cost.enabled = true;
    auto lambda = cost.at("lambda");
    for (int t = 0; t < 3; ++t) x.accounting.cost.lambda[t] = lambda.at(std::string(kTierNames[t])).number_in(0, 1e12);
    lambda.reject_unknown_keys();
    x.accounting.cost.offload = cost.at("offload").number_in(0, 1e12);
    cost.reject_unknown_keys();
  }

  auto network = r.optional("network");
  if (!network.is_null()) {
    auto bw = network.at("link_bandwidth_Bps");
    for (const auto& link : bw.keys()) x.link_bandwidth[link] = bw.at(link).number_in(1, 1e15);
    network.reject_unknown_keys();
  }

  auto sim = r.optional("simulation");
  if (!sim.is_null()) {
    if (sim.has("engine")) {
      auto engine = sim.at("engine");
      x.engine = engine.string();
      find_engine(x.engine, engine.where());  // unknown names: one line listing the registered engines
    }
    if (sim.has("network_model")) {
      auto model = sim.at("network_model");
      x.network_model = model.string();
      load_network_model(x.network_model, x.platform_path, model.where());  // a calibrated file is read here
    }
    if (sim.has("seed")) x.seed = static_cast<std::uint64_t>(sim.at("seed").integer_at_least(0));
    sim.reject_unknown_keys();
  }

  auto outputs = r.optional("outputs");
  if (!outputs.is_null()) {
    x.requests_csv = outputs.boolean_or("requests_csv", false);
    outputs.reject_unknown_keys();
  }
  r.reject_unknown_keys();
  if (!x.servers.failures.empty() && !find_engine(x.engine, config_path + ": /simulation/engine").failures)
    throw InputError(fmt::format("{}: /servers/failures: the {} engine does not model server failures; expected an "
                                 "engine that does (simgrid)", config_path, x.engine));
  return x;
}

}  // namespace tiersim
