#include "batch/compare.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.hpp"
#include "core/stats.hpp"
#include "io/csv.hpp"
#include "batch/results_table.hpp"
#include "batch/slurm.hpp"
#include "batch/sweep.hpp"
#include "core/json_reader.hpp"
#include "batch/run.hpp"
#include "batch/results_dir.hpp"
#include "core/names.hpp"
#include "model/summary.hpp"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

// One point of the directory: its replicas (the same config but for the seed) aggregated.
struct Point {
  std::string policy;
  std::vector<nlohmann::json> values;  // per varying config path (compare.csv's columns)
  std::vector<std::string> runs;
  std::map<std::string, MeanInterval> metrics;  // by the summary schema's stable id
  bool pareto_energy = false, pareto_latency = false;
  double mean(const SummaryField& field) const {
    auto it = metrics.find(std::string(field.id));
    return it == metrics.end() ? 0.0 : it->second.mean;
  }
};

// Numbers compare as numbers, anything else by its text; a missing value sorts first.
bool value_less(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
  if (a.is_null() != b.is_null()) return a.is_null();
  return cell_text(a) < cell_text(b);
}

Point aggregate(const std::string& out_dir, const std::vector<const RunResult*>& replicas, const std::vector<std::string>& varying,
                std::vector<std::string>& metric_order, std::map<std::string, std::size_t>& metric_rank) {
  Point p;
  const RunResult& first = *replicas.front();
  const std::string file = (fs::path(out_dir) / "runs" / first.id / "summary.json").string();
  p.policy = get(first.summary, summary::policy, file).get<std::string>();
  std::map<std::string, nlohmann::json> config;
  for (auto& [path, value] : config_values(first.config)) config.emplace(path, std::move(value));
  for (const auto& path : varying) p.values.push_back(config.count(path) ? config.at(path) : nlohmann::json());
  std::map<std::string, std::vector<double>> samples;
  for (const RunResult* run : replicas) {
    p.runs.push_back(run->id);
    for (const auto& leaf : summary_leaves(run->summary)) {
      if (!leaf.value.is_number() || leaf.field == &summary::seed) continue;
      if (metric_rank.try_emplace(leaf.id, leaf.rank * 100000 + metric_order.size()).second)
        metric_order.push_back(leaf.id);
      samples[leaf.id].push_back(leaf.value.get<double>());
    }
  }
  for (const auto& [id, values] : samples) p.metrics[id] = mean_interval(values);
  // Every point needs the figures the table and the fronts use.
  for (const SummaryField* f : {&summary::accuracy, &summary::energy_total, &summary::latency_p95})
    if (!p.metrics.count(std::string(f->id)))
      throw InputError(fmt::format("{}: {}: missing (expected a number)", file, f->pointer));
  return p;
}

// Pareto-optimal: no other point is at least as accurate and at most as costly, and better in one.
void mark_pareto(std::vector<Point>& points, const SummaryField& cost, bool Point::*flag) {
  for (auto& a : points) {
    a.*flag = std::none_of(points.begin(), points.end(), [&](const Point& b) {
      const double acc_a = a.mean(summary::accuracy), acc_b = b.mean(summary::accuracy);
      return acc_b >= acc_a && b.mean(cost) <= a.mean(cost) && (acc_b > acc_a || b.mean(cost) < a.mean(cost));
    });
  }
}

// "0.8937" for one replica, "0.8937 ± 0.0012" (95 % t interval) for several.
std::string with_interval(const Point& p, const SummaryField& field, const char* format) {
  auto it = p.metrics.find(std::string(field.id));
  if (it == p.metrics.end()) return "—";
  const std::string mean = fmt::format(fmt::runtime(format), it->second.mean);
  return it->second.n > 1 ? fmt::format("{} ± {}", mean, fmt::format(fmt::runtime(format), it->second.half_width)) : mean;
}

}  // namespace

std::string compare_runs(const std::string& out_dir) {
  const fs::path dir(out_dir);
  const std::vector<RunResult> runs = load_results(out_dir);
  if (runs.empty()) throw InputError(fmt::format("{}: no completed runs under runs/ to compare", out_dir));
  // Columns for what differs between points; the seed is what replicas differ by, and the
  // policy's name has a column of its own.
  const auto varying = varying_config_paths(runs, {"simulation.seed", "policy.name"});
  std::vector<std::string> metric_order;
  std::map<std::string, std::size_t> metric_rank;
  std::vector<Point> points;
  for (const auto& replicas : group_replicas(runs)) points.push_back(aggregate(out_dir, replicas, varying, metric_order, metric_rank));
  std::stable_sort(metric_order.begin(), metric_order.end(),
                   [&](const std::string& a, const std::string& b) { return metric_rank.at(a) < metric_rank.at(b); });
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    if (a.policy != b.policy) return a.policy < b.policy;
    for (std::size_t i = 0; i < a.values.size(); ++i) {
      if (value_less(a.values[i], b.values[i])) return true;
      if (value_less(b.values[i], a.values[i])) return false;
    }
    return a.runs.front() < b.runs.front();
  });
  mark_pareto(points, summary::energy_total, &Point::pareto_energy);
  mark_pareto(points, summary::latency_p95, &Point::pareto_latency);

  std::vector<std::string> header{"policy"};
  header.insert(header.end(), varying.begin(), varying.end());
  header.insert(header.end(), {"replicas", "runs"});
  for (const auto& id : metric_order) header.insert(header.end(), {fmt::format("{}_mean", id), fmt::format("{}_ci95", id)});
  header.insert(header.end(), {"pareto_accuracy_energy", "pareto_accuracy_latency"});
  std::string csv = csv_row(header);
  for (const auto& p : points) {
    std::vector<std::string> row{p.policy};
    for (const auto& v : p.values) row.push_back(cell_text(v));
    row.push_back(std::to_string(p.runs.size()));
    row.push_back(fmt::format("{}", fmt::join(p.runs, " ")));
    for (const auto& id : metric_order) {
      auto it = p.metrics.find(id);
      const bool interval = it != p.metrics.end() && it->second.n > 1;  // one replica: no interval to give
      row.push_back(it == p.metrics.end() ? "" : nlohmann::json(it->second.mean).dump());
      row.push_back(interval ? nlohmann::json(it->second.half_width).dump() : "");
    }
    row.push_back(p.pareto_energy ? "1" : "0");
    row.push_back(p.pareto_latency ? "1" : "0");
    csv += csv_row(row);
  }

  using namespace summary;
  const bool any_cost = std::any_of(points.begin(), points.end(), [](const Point& p) {
    return p.metrics.count(std::string(cost_units.id)) > 0;
  });
  const bool any_replicas = std::any_of(points.begin(), points.end(), [](const Point& p) { return p.runs.size() > 1; });
  std::string md = fmt::format("# Comparison of {} runs ({} points) in {}\n\nPareto-optimal (✓): no other point is at "
                               "least as accurate and at most as costly. E = accuracy vs energy, L = accuracy vs p95 "
                               "latency.{}\n",
                               runs.size(), points.size(), out_dir,
                               any_replicas ? " Points with several replicas (seeds) show mean ± the 95 % Student t "
                                              "interval, and the fronts are drawn on the means."
                                            : "");
  std::string current;
  for (const auto& p : points) {
    if (p.policy != current) {
      current = p.policy;
      md += fmt::format("\n## {}\n\n| run | values | replicas | accuracy | exits mobile/edge/cloud | p50 (s) | p95 (s) | "
                        "energy (J) |{} E | L |\n|---|---|---|---|---|---|---|---|{}---|---|\n",
                        p.policy, any_cost ? " cost |" : "", any_cost ? "---|" : "");
    }
    std::vector<std::string> values;
    for (std::size_t i = 0; i < varying.size(); ++i)
      if (!p.values[i].is_null()) values.push_back(fmt::format("{}={}", varying[i], cell_text(p.values[i])));
    md += fmt::format("| {} | {} | {} | {} | {:.3f} / {:.3f} / {:.3f} | {} | {} | {} |{} {} | {} |\n",
                      fmt::format("{}{}", p.runs.front(), p.runs.size() > 1 ? " …" : ""), values.empty() ? "—" : fmt::format("{}", fmt::join(values, " ")),
                      p.runs.size(), with_interval(p, accuracy, "{:.4f}"), p.mean(exit_mobile), p.mean(exit_edge),
                      p.mean(exit_cloud), with_interval(p, latency_p50, "{:.4g}"), with_interval(p, latency_p95, "{:.4g}"),
                      with_interval(p, energy_total, "{:.4g}"),
                      any_cost ? fmt::format(" {} |", with_interval(p, cost_units, "{:.4g}")) : "",
                      p.pareto_energy ? "✓" : "", p.pareto_latency ? "✓" : "");
  }
  write_text_atomically(dir / "compare.csv", csv);
  write_text_atomically(dir / "compare.md", md);
  return md;
}

namespace {

// The points of the directory's config that have no complete run, by shard when `tiersim slurm`
// recorded the shards (point i belongs to shard i mod N, as `run --shard` takes them).
void find_missing(const fs::path& dir, MergeReport& report) {
  const auto recorded = read_experiment(dir);
  if (!recorded || !recorded->config.is_object()) return;
  const nlohmann::json& extras = recorded->extras;
  if (extras.is_object() && extras.contains("shards") && extras["shards"].is_number_integer())
    report.shards = std::max(0, extras["shards"].get<int>());
  std::vector<RunPoint> points;
  try {
    points = expand_sweep(recorded->config, (dir / "experiment.json").string());
  } catch (const InputError&) {
    return;  // not a config this tiersim reads: nothing to say about missing points
  }
  report.points = static_cast<int>(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (fs::exists(dir / "runs" / points[i].id / "summary.json")) continue;
    report.missing.push_back(points[i].id);
    if (report.shards > 0) ++report.missing_by_shard[static_cast<int>(i % static_cast<std::size_t>(report.shards))];
  }
}

}  // namespace

MergeReport merge_runs(const std::string& out_dir, const std::vector<std::string>& sources) {
  const fs::path dir(out_dir);
  const ResultsLock lock(dir);
  runs_folder(dir);
  MergeReport report;
  int& copied = report.copied;
  for (const auto& source : sources) {
    if (!fs::exists(fs::path(source) / "runs")) throw InputError(fmt::format("{}: no runs/ folder to merge", source));
    for (const auto& run : completed_runs(source)) {  // incomplete points stay out
      const std::string name = run.filename().string();
      if (!is_safe_name(name))
        throw InputError(fmt::format("{}: not a run tiersim wrote (expected a name of letters, digits, '.', '_', '-')",
                                     run.string()));
      const fs::path target = run_path(dir, name);
      if (fs::exists(target / "summary.json")) continue;
      const fs::path partial = run_path(dir, name + ".partial");
      fs::remove_all(partial);
      fs::copy(run, partial, fs::copy_options::recursive);
      fs::remove_all(target);
      fs::rename(partial, target);
      ++copied;
    }
    if (!fs::exists(dir / "experiment.json") && fs::exists(fs::path(source) / "experiment.json")) {
      write_text_atomically(dir / "experiment.json", read_text(fs::path(source) / "experiment.json"));
    }
  }
  rebuild_results_tables(out_dir);
  find_missing(dir, report);
  return report;
}

}  // namespace tiersim
