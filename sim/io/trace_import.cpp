#include "io/trace_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

#include "io/csv.hpp"
#include "core/error.hpp"

namespace tiersim {

const std::vector<std::string>& import_formats() {
  static const std::vector<std::string> formats{"long", "wide"};
  return formats;
}

const std::map<std::string, std::string>& import_columns(const std::string& format) {
  static const std::map<std::string, std::map<std::string, std::string>> columns{
      {"long",
       {{"sample", "Sample_ID"}, {"exit", "Exit"}, {"confidence", "Confidence"}, {"prediction", "Prediction"},
        {"label", "Label"}, {"entropy", "entropy"}, {"split", "split"}, {"probabilities", "p"}}},
      {"wide",
       {{"sample", ""}, {"label", "target"}, {"class_name", "class_name"}, {"confidence", "conf_branch_{b}"},
        {"prediction", "prediction_branch_{b}"}, {"time", "delta_inf_time_branch_{b}"},
        {"entropy", "entropy_branch_{b}"}, {"probabilities", "p{k}_branch_{b}"}, {"split", "split"}}}};
  auto it = columns.find(format);
  if (it == columns.end())
    throw InputError(fmt::format("unknown import format \"{}\" (expected one of: {})", format,
                                 fmt::join(import_formats(), ", ")));
  return it->second;
}

namespace {

struct Cell {
  int prediction = 0;
  double confidence = 0;
  double entropy = NAN;       // NaN: the file has no entropy column
  std::vector<double> probs;  // empty: no probability columns
};

struct SampleRows {
  int label = -1;
  std::string split;
  std::map<int, Cell> cells;  // by exit
};

using Samples = std::map<long long, SampleRows>;

// The layout's column names with the user's mapping applied; an unknown role is refused.
std::map<std::string, std::string> column_names(const ImportOptions& opt) {
  auto names = import_columns(opt.format);
  for (const auto& [role, name] : opt.columns) {
    if (!names.count(role)) {
      std::vector<std::string> roles;
      for (const auto& [r, n] : names) roles.push_back(r);
      throw InputError(fmt::format("--column {}={}: no column role \"{}\" in the {} layout (expected one of: {})", role,
                                   name, role, opt.format, fmt::join(roles, ", ")));
    }
    names[role] = name;
  }
  return names;
}

std::string with(std::string pattern, const std::string& key, long long value) {
  for (auto at = pattern.find(key); at != std::string::npos; at = pattern.find(key, at))
    pattern.replace(at, key.size(), std::to_string(value));
  return pattern;
}

double checked_real(const CsvReader& csv, std::size_t col, const char* what, double max, const std::string& max_text) {
  double v = csv.real(col);
  if (!(v >= 0.0 && v <= max)) csv.fail(fmt::format("{} {} is not in [0, {}]", what, v, max_text));
  return v;
}

// Probabilities of one exit: each in [0, 1], summing to 1 within 1e-3 (a softmax).
std::vector<double> checked_probabilities(const CsvReader& csv, const std::vector<std::size_t>& cols) {
  std::vector<double> p;
  double sum = 0;
  for (auto c : cols) {
    p.push_back(checked_real(csv, c, "probability", 1.0, "1"));
    sum += p.back();
  }
  if (!cols.empty() && std::abs(sum - 1.0) > 1e-3)
    csv.fail(fmt::format("probabilities sum to {} (expected 1 within 1e-3: a softmax)", sum));
  return p;
}

// Reads the optional per-exit columns of a row into `cell`.
void read_optional(const CsvReader& csv, long c_entropy, const std::vector<std::size_t>& c_probs, Cell& cell) {
  if (c_entropy >= 0) cell.entropy = checked_real(csv, static_cast<std::size_t>(c_entropy), "entropy", 1e300, "ln C");
  cell.probs = checked_probabilities(csv, c_probs);
}

void set_split(const CsvReader& csv, long c_split, long long id, SampleRows& rows) {
  if (c_split < 0) return;
  std::string split(csv.text(static_cast<std::size_t>(c_split)));
  if (!rows.cells.empty() && split != rows.split)
    csv.fail(fmt::format("sample {} has split \"{}\" here but \"{}\" on another row", id, split, rows.split));
  rows.split = std::move(split);
}

// Builds a canonical trace from per-sample, per-exit cells; checks completeness and ranges.
Trace assemble(const std::string& path, Samples& samples, int exits, TraceMeta meta, bool with_entropy,
               int probability_classes, bool with_split) {
  if (samples.empty()) throw InputError(fmt::format("{}: no data rows (expected a header and at least one row)", path));
  Trace t;
  t.path = path;
  const int n = static_cast<int>(samples.size());
  const int classes = static_cast<int>(meta.class_names.size());
  if (classes < 2) throw InputError(fmt::format("{}: expected at least 2 classes", path));
  if (probability_classes > 0 && probability_classes != classes)
    throw InputError(fmt::format("{}: {} probability columns but {} classes (expected one column per class)", path,
                                 probability_classes, classes));
  t.label.resize(n);
  t.prediction.resize(n, exits);
  t.confidence.resize(n, exits);
  if (with_entropy) t.entropy.resize(n, exits);
  if (probability_classes > 0) t.probability.assign(exits, RealMatrix(n, classes));
  if (with_split) t.split.resize(n);
  int s = 0;
  for (auto& [id, rows] : samples) {
    if (static_cast<int>(rows.cells.size()) != exits)
      throw InputError(fmt::format("{}: sample {} has {} of {} exits (expected every exit)", path, id,
                                   rows.cells.size(), exits));
    t.sample_ids.push_back(id);
    t.label(s) = rows.label;
    if (with_split) t.split[s] = rows.split;
    for (auto& [e, cell] : rows.cells) {
      t.prediction(s, e) = cell.prediction;
      t.confidence(s, e) = cell.confidence;
      if (with_entropy) {
        if (cell.entropy > std::log(classes) + 1e-4)
          throw InputError(fmt::format("{}: sample {} exit {}: entropy {} is above ln {} = {:.6g}", path, id, e,
                                       cell.entropy, classes, std::log(classes)));
        t.entropy(s, e) = cell.entropy;
      }
      for (int k = 0; k < probability_classes; ++k) t.probability[e](s, k) = cell.probs[static_cast<std::size_t>(k)];
    }
    ++s;
  }
  if (t.label.maxCoeff() >= classes || t.prediction.maxCoeff() >= classes || t.label.minCoeff() < 0 ||
      t.prediction.minCoeff() < 0)
    throw InputError(fmt::format("{}: a label or prediction is outside the {} classes", path, classes));
  t.meta = std::move(meta);
  // Two classes: entropy follows exactly from the max softmax. With probabilities, the loader
  // derives it from them (write_trace writes the p columns).
  if (!with_entropy && probability_classes == 0 && classes == 2)
    t.entropy = t.confidence.unaryExpr([](double p) { return binary_entropy(p); });
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

// PREFIX0, PREFIX1, ... as long as the header has them.
std::vector<std::size_t> consecutive_columns(const CsvReader& csv, const std::function<std::string(int)>& name) {
  std::vector<std::size_t> cols;
  for (long c; cols.size() < static_cast<std::size_t>(kMaxClasses) &&
               (c = csv.optional_column(name(static_cast<int>(cols.size())))) >= 0;)
    cols.push_back(static_cast<std::size_t>(c));
  return cols;
}

Trace import_long(const std::string& path, const ImportOptions& opt) {
  const auto names = column_names(opt);
  CsvReader csv(path);
  auto c_id = csv.column(names.at("sample")), c_exit = csv.column(names.at("exit")),
       c_conf = csv.column(names.at("confidence")), c_pred = csv.column(names.at("prediction")),
       c_label = csv.column(names.at("label"));
  const long c_entropy = csv.optional_column(names.at("entropy")), c_split = csv.optional_column(names.at("split"));
  const auto c_probs = consecutive_columns(csv, [&](int k) { return names.at("probabilities") + std::to_string(k); });
  Samples samples;
  int max_exit = -1, max_class = 1;
  while (csv.next()) {
    long long id = csv.integer(c_id);
    const int exit = csv.integer_in(c_exit, 0, kMaxExits - 1, "exit");
    const int label = csv.integer_in(c_label, 0, kMaxClasses - 1, "label");
    Cell cell;
    cell.prediction = csv.integer_in(c_pred, 0, kMaxClasses - 1, "prediction");
    cell.confidence = checked_real(csv, c_conf, "confidence", 1.0, "1");
    read_optional(csv, c_entropy, c_probs, cell);
    auto& rows = samples[id];
    if (!rows.cells.empty() && rows.label != label)
      csv.fail(fmt::format("sample {} has label {} here but {} on another row", id, label, rows.label));
    set_split(csv, c_split, id, rows);
    rows.label = label;
    max_class = std::max({max_class, label, cell.prediction});
    if (!rows.cells.emplace(exit, std::move(cell)).second) csv.fail(fmt::format("sample {} has exit {} twice", id, exit));
    max_exit = std::max(max_exit, exit);
  }
  TraceMeta meta = meta_from(opt);
  const int classes = std::max(max_class + 1, static_cast<int>(c_probs.size()));
  if (meta.class_names.empty())
    for (int k = 0; k < classes; ++k) meta.class_names.push_back(fmt::format("class{}", k));
  for (int e = 0; e <= max_exit; ++e) meta.exit_names.push_back(fmt::format("exit{}", e));
  return assemble(path, samples, max_exit + 1, std::move(meta), c_entropy >= 0, static_cast<int>(c_probs.size()),
                  c_split >= 0);
}

Trace import_wide(const std::string& path, const ImportOptions& opt) {
  const auto names = column_names(opt);
  CsvReader csv(path);
  int branches = 0;
  while (branches < kMaxExits && csv.optional_column(with(names.at("confidence"), "{b}", branches + 1)) >= 0) ++branches;
  if (branches == 0)
    csv.fail(fmt::format("expected columns {}, {}, ... in the header", with(names.at("confidence"), "{b}", 1),
                         with(names.at("prediction"), "{b}", 1)));
  auto c_id = csv.column(names.at("sample")), c_label = csv.column(names.at("label"));
  const long c_name = csv.optional_column(names.at("class_name")), c_split = csv.optional_column(names.at("split"));
  std::vector<std::size_t> c_conf, c_pred;
  std::vector<long> c_time, c_entropy;
  std::vector<std::vector<std::size_t>> c_probs;
  for (int b = 1; b <= branches; ++b) {
    c_conf.push_back(csv.column(with(names.at("confidence"), "{b}", b)));
    c_pred.push_back(csv.column(with(names.at("prediction"), "{b}", b)));
    c_time.push_back(csv.optional_column(with(names.at("time"), "{b}", b)));
    c_entropy.push_back(csv.optional_column(with(names.at("entropy"), "{b}", b)));
    const std::string probs = with(names.at("probabilities"), "{b}", b);
    c_probs.push_back(consecutive_columns(csv, [&](int k) { return with(probs, "{k}", k); }));
  }
  // An optional column is read for every branch or for none.
  auto all_or_none = [&](const std::string& role, auto present) {
    for (int b = 1; b < branches; ++b)
      if (present(b) != present(0))
        csv.fail(fmt::format("column {} {}, but {} {}: an optional column must be there for every branch or none",
                             with(names.at(role), "{b}", 1), present(0) ? "is there" : "is missing",
                             with(names.at(role), "{b}", b + 1), present(b) ? "is there" : "is missing"));
  };
  all_or_none("time", [&](int b) { return c_time[b] >= 0; });
  all_or_none("entropy", [&](int b) { return c_entropy[b] >= 0; });
  for (int b = 1; b < branches; ++b)
    if (c_probs[b].size() != c_probs[0].size())
      csv.fail(fmt::format("branch 1 has {} probability columns but branch {} has {} (expected the same classes)",
                           c_probs[0].size(), b + 1, c_probs[b].size()));
  Samples samples;
  std::map<int, std::string> class_names;
  std::vector<double> time_sum(branches, 0.0);
  int max_class = 1;
  while (csv.next()) {
    long long id = csv.integer(c_id);
    const int label = csv.integer_in(c_label, 0, kMaxClasses - 1, "label");
    if (c_name >= 0) class_names[label] = std::string(csv.text(static_cast<std::size_t>(c_name)));
    auto& rows = samples[id];
    if (!rows.cells.empty()) csv.fail(fmt::format("sample {} appears twice", id));
    set_split(csv, c_split, id, rows);
    rows.label = label;
    max_class = std::max(max_class, label);
    for (int b = 0; b < branches; ++b) {
      Cell cell;
      cell.prediction = csv.integer_in(c_pred[b], 0, kMaxClasses - 1, "prediction");
      cell.confidence = checked_real(csv, c_conf[b], "confidence", 1.0, "1");
      read_optional(csv, c_entropy[b], c_probs[b], cell);
      max_class = std::max(max_class, cell.prediction);
      rows.cells[b] = std::move(cell);
      if (c_time[b] >= 0) time_sum[b] += csv.real(static_cast<std::size_t>(c_time[b]));
    }
  }
  TraceMeta meta = meta_from(opt);
  const int classes = std::max(max_class + 1, static_cast<int>(c_probs[0].size()));
  if (meta.class_names.empty())
    for (int k = 0; k < classes; ++k)
      meta.class_names.push_back(class_names.count(k) ? class_names[k] : fmt::format("class{}", k));
  for (int b = 1; b <= branches; ++b) meta.exit_names.push_back(fmt::format("branch{}", b));
  if (c_time[0] >= 0)
    for (double s : time_sum) meta.exit_time_s.push_back(s / static_cast<double>(samples.size()));
  return assemble(path, samples, branches, std::move(meta), c_entropy[0] >= 0, static_cast<int>(c_probs[0].size()),
                  c_split >= 0);
}

}  // namespace

Trace import_trace(const std::string& path, const ImportOptions& opt) {
  import_columns(opt.format);  // refuses an unknown format
  if (opt.format == "long") return import_long(path, opt);
  if (opt.format == "wide") return import_wide(path, opt);
  throw InputError(fmt::format("unknown import format \"{}\" (expected one of: {})", opt.format,
                               fmt::join(import_formats(), ", ")));
}

}  // namespace tiersim
