#include "run.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "engines/engine.hpp"
#include "error.hpp"
#include "rng.hpp"

namespace tiersim {

namespace fs = std::filesystem;

static std::vector<int> make_sample_order(const Experiment& x, const Trace& trace) {
  std::vector<int> order = trace.samples_in(x.workload.split);
  if (order.empty())
    throw InputError(fmt::format("{}: /workload/split: no sample of trace {} has split \"{}\"", x.config_path,
                                 trace.path, x.workload.split));
  if (x.workload.shuffle)  // Fisher-Yates with counter-based draws: same order everywhere
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      auto j = static_cast<std::size_t>(uniform01(x.seed, kStreamShuffle, i) * static_cast<double>(i + 1));
      std::swap(order[i], order[std::min(j, i)]);
    }
  return order;
}

RunInputs::RunInputs(const Experiment& x)
    : trace(load_trace(x.trace_path)),
      profile(load_profile(x.profile_path)),
      session(find_network_model(x.network_model, x.config_path + ": /simulation/network_model")),
      platform(Platform::load(x.platform_path, session)) {
  check_profile_against_trace(profile, trace.exits(), trace.path);
  for (const auto& [pattern, bytes_per_s] : x.link_bandwidth)
    if (platform.set_link_bandwidth(pattern, bytes_per_s) == 0)
      throw InputError(fmt::format("{}: /network/link_bandwidth_Bps/{}: expected the id (or a glob) of a link of {} "
                                   "(it has e.g. {})",
                                   x.config_path, pattern, platform.path(), platform.example_link_ids()));
}

std::string RunInputs::key(const Experiment& x) {
  std::string key = x.trace_path + "\n" + x.profile_path + "\n" + x.platform_path + "\n" + x.network_model;
  for (const auto& [link, bw] : x.link_bandwidth) key += fmt::format("\n{}={}", link, bw);
  return key;
}

RunSetup::RunSetup(const Experiment& experiment, std::shared_ptr<RunInputs> loaded)
    : inputs(std::move(loaded)),
      x(experiment),
      trace(inputs->trace),
      profile(inputs->profile),
      policy(make_policy(x.policy_name, x.policy_params, x.config_path)),
      session(inputs->session),
      platform(inputs->platform),
      network(find_network_model(x.network_model, x.config_path + ": /simulation/network_model")) {
  policy->prepare(trace, profile);
  sample_order = make_sample_order(x, trace);
  platform.require_role(Tier::Mobile, "the workload's devices");
  for (int t = 1; t < kTiers; ++t)
    if (profile.tiers[t].first >= 0 || profile.tiers[t].full_model)
      platform.require_role(static_cast<Tier>(t), fmt::format("profile {} (tier {})", profile.path, kTierNames[t]));
  const auto& mobiles = platform.hosts(Tier::Mobile);
  if (static_cast<int>(mobiles.size()) < x.workload.devices)
    throw InputError(fmt::format("{}: /workload/devices: expected at most the {} mobile hosts of {}, got {}",
                                 x.config_path, mobiles.size(), platform.path(), x.workload.devices));
  selector = make_server_selector(JsonReader(x.server_selection, x.config_path, "/servers/selection"));
  std::array<std::vector<const HostInfo*>, kTiers> candidates;
  for (int t = 1; t < kTiers; ++t)
    for (const auto& h : platform.hosts(static_cast<Tier>(t))) candidates[t].push_back(&h);
  for (int d = 0; d < x.workload.devices; ++d) {
    devices.push_back(&mobiles[d]);
    // Every rule today chooses once per device and tier (load-aware rules arrive with the
    // serving layer; the engines will then ask at decision time).
    std::array<const HostInfo*, kTiers> hosts{&mobiles[d], nullptr, nullptr};
    for (int t = 1; t < kTiers; ++t)
      if (!candidates[t].empty())
        hosts[t] = candidates[t][selector->select({mobiles[d], static_cast<Tier>(t), candidates[t], [](std::size_t) { return ServerLoad{}; }})];
    device_hosts.push_back(hosts);
  }
  arrivals = make_arrival_process(JsonReader(x.workload.arrival, x.config_path, "/workload/arrival"),
                                  {x.workload.devices, x.workload.requests, x.seed,
                                   std::filesystem::path(x.config_path).parent_path().string()});
  walk = std::make_unique<WalkSetup>(WalkSetup{trace, profile, *policy, x.seed, x.workload.result_bytes});
}

double RunSetup::service_factor(Tier tier, std::uint64_t request, int compute_step) const {
  if (tier == Tier::Mobile || x.workload.service == ServiceTime::Deterministic) return 1.0;
  return exponential1(x.seed, kStreamService + static_cast<std::uint64_t>(compute_step), request);
}

double RunSetup::compute_seconds(const HostInfo& host, const Step& step, std::uint64_t request,
                                 int compute_step) const {
  return step.macs * service_factor(step.tier, request, compute_step) / host.speed;
}

void RunSetup::charge_compute(RequestRecord& rec, const HostInfo& host, const Step& step, double seconds) const {
  rec.compute_j[index(step.tier)] += x.mac_energy.joules(step.macs, step.bits);
  rec.cost_units += x.cost.lambda[index(step.tier)] * step.layers;
  rec.host_busy_j[index(step.tier)] += host.busy_core_w() * seconds;
}

void RunSetup::charge_transfer(RequestRecord& rec, const HostInfo& device, const Step& step, double seconds) const {
  if (step.tier == Tier::Mobile) rec.radio_j += device.radio_tx_w * seconds;
  if (step.to == Tier::Mobile) rec.radio_j += device.radio_rx_w * seconds;
  if (index(step.to) > index(step.tier)) {
    rec.bytes_up += step.bytes;
    rec.cost_units += x.cost.offload;
  }
}

void RunSetup::finish_record(RequestRecord& rec, const Step& done) const {
  rec.exit = done.exit;
  rec.exit_tier = done.tier;
  rec.label = trace.label(rec.sample);
  rec.correct = done.prediction == rec.label;
}

// ---- outputs ---------------------------------------------------------------------------

static void flatten(const nlohmann::ordered_json& j, const std::string& prefix,
                    std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    if (j.size() > 16) return;  // distributions (latency percentiles) stay in summary.json
    for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], fmt::format("{}.{}", prefix, i), out);
  } else {
    out.emplace_back(prefix, j.is_string() ? j.get<std::string>() : j.dump());
  }
}

static void write_text_atomically(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += ".tmp";
  std::ofstream out(tmp, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error(fmt::format("{}: write failed (disk full?)", path.string()));
  }
  fs::rename(tmp, path);
}

std::vector<fs::path> completed_runs(const std::string& out_dir) {
  std::vector<fs::path> runs;
  const fs::path dir = fs::path(out_dir) / "runs";
  if (fs::exists(dir))
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_directory() && entry.path().extension() != ".partial" && fs::exists(entry.path() / "summary.json"))
        runs.push_back(entry.path());
  std::sort(runs.begin(), runs.end());
  return runs;
}

void rebuild_summary_csv(const std::string& out_dir) {
  const fs::path dir(out_dir);
  const std::vector<fs::path> runs = completed_runs(out_dir);
  // Columns: the union of every run's flattened keys, in first-seen order (runs may differ,
  // e.g. policy_info only for some policies); a run without a key leaves its cell empty.
  std::vector<std::string> header{"run"};
  std::map<std::string, std::size_t> column;
  std::vector<std::map<std::string, std::string>> rows;
  for (const auto& run : runs) {
    std::ifstream in(run / "summary.json");
    std::vector<std::pair<std::string, std::string>> cells;
    flatten(nlohmann::ordered_json::parse(in), "", cells);
    std::map<std::string, std::string> row{{"run", run.filename().string()}};
    for (auto& [key, value] : cells) {
      if (!column.count(key)) {
        column[key] = header.size();
        header.push_back(key);
      }
      row[key] = value.find(',') == std::string::npos ? value : "\"" + value + "\"";
    }
    rows.push_back(std::move(row));
  }
  std::string text = fmt::format("{}\n", fmt::join(header, ","));
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& key : header) cells.push_back(row.count(key) ? row.at(key) : "");
    text += fmt::format("{}\n", fmt::join(cells, ","));
  }
  write_text_atomically(dir / "summary.csv", text);
}

void validate_experiment(const Experiment& x) { RunSetup setup(x); }

Metrics RunSetup::new_metrics() const {
  double fp32_reference_j = 0;  // the all-full-precision network: every stage at 32 bits
  for (const auto& stage : profile.stages) fp32_reference_j += x.mac_energy.joules(stage.macs, 32);
  Metrics metrics(trace.exits(), trace.meta.class_names, fp32_reference_j);
  if (x.cost.enabled) metrics.report_cost_units();
  return metrics;
}

nlohmann::ordered_json run_experiment(const Experiment& x, const std::string& out_dir, const nlohmann::json& resolved,
                                      const nlohmann::json& sweep_values) {
  const auto started = std::chrono::steady_clock::now();
  RunSetup setup(x);
  return run_experiment(setup, out_dir, resolved, sweep_values, started);
}

nlohmann::ordered_json run_experiment(RunSetup& setup, const std::string& out_dir, const nlohmann::json& resolved,
                                      const nlohmann::json& sweep_values, std::chrono::steady_clock::time_point started) {
  const Experiment& x = setup.x;
  const fs::path dir(out_dir), run_dir = dir / "runs" / x.name, partial = dir / "runs" / (x.name + ".partial");
  fs::remove_all(partial);
  fs::create_directories(partial);
  Metrics metrics = setup.new_metrics();
  try {
    RequestLog log(x.requests_csv ? (partial / "requests.csv").string() : "");
    find_engine(x.engine, x.config_path + ": /simulation/engine").make()->run(setup, metrics, log);
    log.close();
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);  // nothing half-written stays behind
    throw;
  }
  auto summary = metrics.summary();
  summary["engine"] = x.engine;
  summary["network_model"] = x.network_model;
  summary["policy"] = x.policy_name;
  if (auto info = setup.policy->describe(); !info.is_null()) summary["policy_info"] = info;
  summary["seed"] = x.seed;
  summary["tiersim_version"] = TIERSIM_VERSION;
  if (std::string(TIERSIM_GIT_COMMIT) != "") summary["git_commit"] = TIERSIM_GIT_COMMIT;
  if (!sweep_values.empty()) summary["sweep"] = sweep_values;
  summary["wall_time_s"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  try {
    write_text_atomically(partial / "config.json", resolved.dump(2) + "\n");
    for (const auto& [file, text] : setup.policy->state_files()) write_text_atomically(partial / file, text);
    write_text_atomically(partial / "summary.json", summary.dump(2) + "\n");
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    throw;
  }
  // The run appears under its final name only once complete.
  fs::remove_all(run_dir);
  fs::rename(partial, run_dir);
  return summary;
}

}  // namespace tiersim
