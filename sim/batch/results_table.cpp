#include "batch/results_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "batch/results_dir.hpp"
#include "batch/run.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "io/csv.hpp"
#include "model/summary.hpp"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

// A file tiersim wrote into the directory, read back as a JSON object; a results directory
// copied from elsewhere may hold anything, so a bad one is one line naming it.
nlohmann::ordered_json read_object(const fs::path& file) {
  const std::string text = read_text(file);
  const auto parsed = parse_json_text(text, file.string());
  if (!parsed || !parsed->is_object())
    throw InputError(fmt::format("{}: expected a JSON object as tiersim writes it (rerun or remove the run)", file.string()));
  return nlohmann::ordered_json::parse(text);  // valid and bounded: checked above; keeps the file's key order
}

void flatten_config(const nlohmann::json& value, const std::string& path,
                    std::vector<std::pair<std::string, nlohmann::json>>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) flatten_config(child, path.empty() ? key : path + "." + key, out);
  } else if (value.is_structured()) {
    out.emplace_back(path, value.dump());  // a list (per-exit thresholds) is one value of the point
  } else {
    out.emplace_back(path, value);
  }
}

// The config values of each run, by path.
std::vector<std::map<std::string, nlohmann::json>> config_maps(const std::vector<RunResult>& runs) {
  std::vector<std::map<std::string, nlohmann::json>> maps;
  for (const auto& run : runs) {
    std::map<std::string, nlohmann::json> m;
    for (auto& [path, value] : config_values(run.config)) m.emplace(path, std::move(value));
    maps.push_back(std::move(m));
  }
  return maps;
}

}  // namespace

std::vector<RunResult> load_results(const std::string& out_dir) {
  std::vector<RunResult> runs;
  for (const auto& dir : completed_runs(out_dir)) {
    RunResult r;
    r.id = dir.filename().string();
    r.summary = read_object(dir / "summary.json");
    if (fs::exists(dir / "config.json")) r.config = read_object(dir / "config.json");
    runs.push_back(std::move(r));
  }
  return runs;
}

std::vector<std::pair<std::string, nlohmann::json>> config_values(const nlohmann::json& config) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  if (!config.is_object()) return out;
  for (const auto& [key, value] : config.items())
    if (key != "name" && key != "sweep") flatten_config(value, key, out);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::vector<std::string> varying_config_paths(const std::vector<RunResult>& runs,
                                              const std::vector<std::string>& excluded) {
  const auto maps = config_maps(runs);
  std::set<std::string> paths;
  for (const auto& m : maps)
    for (const auto& [path, value] : m) paths.insert(path);
  std::vector<std::string> varying;
  for (const auto& path : paths) {
    if (std::find(excluded.begin(), excluded.end(), path) != excluded.end()) continue;
    const auto value_in = [&](const std::map<std::string, nlohmann::json>& m) {
      auto it = m.find(path);
      return it == m.end() ? nlohmann::json() : it->second;
    };
    const bool differs = std::any_of(maps.begin(), maps.end(), [&](const auto& m) {
      return !m.count(path) || value_in(m) != value_in(maps.front());
    });
    if (differs) varying.push_back(path);
  }
  return varying;
}

std::string cell_text(const nlohmann::json& value) {
  if (value.is_null()) return "";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string summary_csv(const std::vector<RunResult>& runs) {
  const auto maps = config_maps(runs);
  std::set<std::string> config_paths;
  for (const auto& m : maps)
    for (const auto& [path, value] : m) config_paths.insert(path);
  // Metric columns: by the schema's rank, then in the order the runs (sorted) first show them.
  struct Column {
    std::size_t rank, seen;
  };
  std::map<std::string, Column> metric_columns;
  std::vector<std::map<std::string, std::string>> metric_cells;
  for (const auto& run : runs) {
    std::map<std::string, std::string> cells;
    for (const auto& leaf : summary_leaves(run.summary)) {
      metric_columns.try_emplace(leaf.path, Column{leaf.rank, metric_columns.size()});
      cells[leaf.path] = cell_text(leaf.value);
    }
    metric_cells.push_back(std::move(cells));
  }
  std::vector<std::string> metrics;
  for (const auto& [path, column] : metric_columns) metrics.push_back(path);
  std::sort(metrics.begin(), metrics.end(), [&](const std::string& a, const std::string& b) {
    const Column &x = metric_columns.at(a), &y = metric_columns.at(b);
    return std::tie(x.rank, x.seen) < std::tie(y.rank, y.seen);
  });
  // A config path that is also a metric's name (none today) is told apart by a "config." prefix.
  std::vector<std::string> header{"run"};
  for (const auto& path : config_paths) header.push_back(metric_columns.count(path) ? fmt::format("config.{}", path) : path);
  header.insert(header.end(), metrics.begin(), metrics.end());
  std::string text = csv_row(header);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<std::string> row{runs[i].id};
    for (const auto& path : config_paths) row.push_back(maps[i].count(path) ? cell_text(maps[i].at(path)) : "");
    for (const auto& metric : metrics) row.push_back(metric_cells[i].count(metric) ? metric_cells[i].at(metric) : "");
    text += csv_row(row);
  }
  return text;
}

std::string metrics_long_csv(const std::vector<RunResult>& runs) {
  const auto maps = config_maps(runs);
  const auto varying = varying_config_paths(runs);
  std::vector<std::string> header{"run"};
  header.insert(header.end(), varying.begin(), varying.end());
  header.push_back("metric");
  header.push_back("value");
  std::string text = csv_row(header);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<std::string> keys{runs[i].id};
    for (const auto& path : varying) keys.push_back(maps[i].count(path) ? cell_text(maps[i].at(path)) : "");
    for (const auto& leaf : summary_leaves(runs[i].summary)) {
      if (!leaf.value.is_number()) continue;
      auto row = keys;
      row.push_back(leaf.id);
      row.push_back(leaf.value.dump());
      text += csv_row(row);
    }
  }
  return text;
}

void rebuild_results_tables(const std::string& out_dir) {
  const auto runs = load_results(out_dir);
  write_text_atomically(fs::path(out_dir) / "summary.csv", summary_csv(runs));
  write_text_atomically(fs::path(out_dir) / "metrics.csv", metrics_long_csv(runs));
}

std::vector<std::vector<const RunResult*>> group_replicas(const std::vector<RunResult>& runs) {
  std::vector<std::vector<const RunResult*>> groups;
  std::map<std::string, std::size_t> group_of;
  for (const auto& run : runs) {
    nlohmann::json point = run.config;
    std::string key = "run without config.json: " + run.id;  // a replica of nothing
    if (point.is_object()) {
      point.erase("name");
      if (point.contains("simulation") && point["simulation"].is_object()) point["simulation"].erase("seed");
      key = point.dump();
    }
    const auto [it, added] = group_of.try_emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(&run);
  }
  return groups;
}

}  // namespace tiersim
