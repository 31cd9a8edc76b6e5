#include "io/trace_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "io/csv.hpp"
#include "core/error.hpp"

namespace tiersim {

const std::vector<std::string>& import_formats() {
  static const std::vector<std::string> formats{"long", "wide"};
  return formats;
}

namespace {

struct Cell {
  int prediction;
  double confidence;
};

// Builds a canonical trace from per-sample, per-exit cells; checks completeness.
Trace assemble(const std::string& path, std::map<long long, std::pair<int, std::map<int, Cell>>>& samples,
               int exits, TraceMeta meta) {
  if (samples.empty()) throw InputError(fmt::format("{}: no data rows (expected a header and at least one row)", path));
  Trace t;
  t.path = path;
  const int n = static_cast<int>(samples.size());
  t.label.resize(n);
  t.prediction.resize(n, exits);
  t.confidence.resize(n, exits);
  int s = 0;
  for (auto& [id, entry] : samples) {
    auto& [label, cells] = entry;
    if (static_cast<int>(cells.size()) != exits)
      throw InputError(fmt::format("{}: sample {} has {} of {} exits (expected every exit)", path, id,
                                   cells.size(), exits));
    t.sample_ids.push_back(id);
    t.label(s) = label;
    for (auto& [e, cell] : cells) {
      t.prediction(s, e) = cell.prediction;
      t.confidence(s, e) = cell.confidence;
    }
    ++s;
  }
  int classes = static_cast<int>(meta.class_names.size());
  if (classes < 2) throw InputError(fmt::format("{}: expected at least 2 classes", path));
  if (t.label.maxCoeff() >= classes || t.prediction.maxCoeff() >= classes || t.label.minCoeff() < 0 ||
      t.prediction.minCoeff() < 0)
    throw InputError(fmt::format("{}: a label or prediction is outside the {} classes", path, classes));
  t.meta = std::move(meta);
  if (classes == 2) t.entropy = t.confidence.unaryExpr([](double p) { return binary_entropy(p); });
  return t;
}

TraceMeta meta_from(const ImportOptions& opt) {
  TraceMeta meta;
  meta.class_names = opt.class_names;
  meta.dataset = opt.dataset;
  meta.model = opt.model;
  meta.source = opt.source;
  return meta;
}

double checked_confidence(const CsvReader& csv, std::size_t col) {
  double c = csv.real(col);
  if (!(c >= 0.0 && c <= 1.0)) csv.fail(fmt::format("confidence {} is not in [0, 1]", c));
  return c;
}

Trace import_long(const std::string& path, const ImportOptions& opt) {
  CsvReader csv(path);
  auto c_id = csv.column("Sample_ID"), c_exit = csv.column("Exit"), c_conf = csv.column("Confidence"),
       c_pred = csv.column("Prediction"), c_label = csv.column("Label");
  std::map<long long, std::pair<int, std::map<int, Cell>>> samples;
  int max_exit = -1, max_class = 1;
  while (csv.next()) {
    long long id = csv.integer(c_id);
    const int exit = csv.integer_in(c_exit, 0, kMaxExits - 1, "exit");
    const int label = csv.integer_in(c_label, 0, kMaxClasses - 1, "label");
    const int pred = csv.integer_in(c_pred, 0, kMaxClasses - 1, "prediction");
    auto& entry = samples[id];
    entry.first = label;
    if (!entry.second.emplace(exit, Cell{pred, checked_confidence(csv, c_conf)}).second)
      csv.fail(fmt::format("sample {} has exit {} twice", id, exit));
    max_exit = std::max(max_exit, exit);
    max_class = std::max({max_class, label, pred});
  }
  TraceMeta meta = meta_from(opt);
  if (meta.class_names.empty())
    for (int k = 0; k <= max_class; ++k) meta.class_names.push_back(fmt::format("class{}", k));
  for (int e = 0; e <= max_exit; ++e) meta.exit_names.push_back(fmt::format("exit{}", e));
  return assemble(path, samples, max_exit + 1, std::move(meta));
}

Trace import_wide(const std::string& path, const ImportOptions& opt) {
  CsvReader csv(path);
  int branches = 0;
  while (csv.optional_column(fmt::format("conf_branch_{}", branches + 1)) >= 0) ++branches;
  if (branches == 0) csv.fail("expected columns conf_branch_1, prediction_branch_1, ... in the header");
  auto c_id = csv.column(""), c_label = csv.column("target");
  long c_name = csv.optional_column("class_name");
  std::vector<std::size_t> c_conf, c_pred, c_time;
  for (int b = 1; b <= branches; ++b) {
    c_conf.push_back(csv.column(fmt::format("conf_branch_{}", b)));
    c_pred.push_back(csv.column(fmt::format("prediction_branch_{}", b)));
    c_time.push_back(csv.column(fmt::format("delta_inf_time_branch_{}", b)));
  }
  std::map<long long, std::pair<int, std::map<int, Cell>>> samples;
  std::map<int, std::string> names;
  std::vector<double> time_sum(branches, 0.0);
  int max_class = 1;
  while (csv.next()) {
    long long id = csv.integer(c_id);
    const int label = csv.integer_in(c_label, 0, kMaxClasses - 1, "label");
    if (c_name >= 0) names[label] = std::string(csv.text(static_cast<std::size_t>(c_name)));
    auto& entry = samples[id];
    if (!entry.second.empty()) csv.fail(fmt::format("sample {} appears twice", id));
    entry.first = label;
    max_class = std::max(max_class, label);
    for (int b = 0; b < branches; ++b) {
      const int pred = csv.integer_in(c_pred[b], 0, kMaxClasses - 1, "prediction");
      max_class = std::max(max_class, pred);
      entry.second[b] = Cell{pred, checked_confidence(csv, c_conf[b])};
      time_sum[b] += csv.real(c_time[b]);
    }
  }
  TraceMeta meta = meta_from(opt);
  if (meta.class_names.empty())
    for (int k = 0; k <= max_class; ++k)
      meta.class_names.push_back(names.count(k) ? names[k] : fmt::format("class{}", k));
  for (int b = 1; b <= branches; ++b) meta.exit_names.push_back(fmt::format("branch{}", b));
  for (double s : time_sum) meta.exit_time_s.push_back(s / static_cast<double>(samples.size()));
  return assemble(path, samples, branches, std::move(meta));
}

}  // namespace

Trace import_trace(const std::string& path, const ImportOptions& opt) {
  if (opt.format == "long") return import_long(path, opt);
  if (opt.format == "wide") return import_wide(path, opt);
  throw InputError(fmt::format("unknown import format \"{}\" (expected one of: {})", opt.format,
                               fmt::join(import_formats(), ", ")));
}

}  // namespace tiersim
