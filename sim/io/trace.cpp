#include "io/trace.hpp"

#include <fmt/format.h>
#include <fmt/os.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "io/csv.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/rng.hpp"

namespace tiersim {

std::string sidecar_path(const std::string& csv_path) {
  std::filesystem::path p(csv_path);
  if (p.extension() == ".gz") p.replace_extension();  // NAME.csv.gz -> NAME.json
  return p.replace_extension(".json").string();
}

double binary_entropy(double p) {
  auto term = [](double x) { return x > 0 ? -x * std::log(x) : 0.0; };
  return term(p) + term(1.0 - p);
}

// Mean of per-sample values over the samples of `split` ("" = all samples).
template <class PerSample>
static double mean_over_split(const Trace& t, const std::string& split, PerSample value) {
  const std::vector<int> rows = t.samples_in(split);
  double sum = 0;
  for (int s : rows) sum += value(s);
  return rows.empty() ? 0.0 : sum / static_cast<double>(rows.size());
}

std::vector<int> Trace::samples_in(const std::string& wanted) const {
  std::vector<int> rows;
  for (int s = 0; s < samples(); ++s)
    if (wanted.empty() || split[s] == wanted) rows.push_back(s);
  return rows;
}

double Trace::exit_accuracy(int exit, const std::string& split) const {
  return mean_over_split(*this, split, [&](int s) { return prediction(s, exit) == label(s) ? 1.0 : 0.0; });
}

double Trace::mean_confidence(int exit, const std::string& split) const {
  return mean_over_split(*this, split, [&](int s) { return static_cast<double>(confidence(s, exit)); });
}

std::vector<std::string> Trace::split_names() const {
  std::vector<std::string> names;
  for (const auto& s : split)
    if (!s.empty() && std::find(names.begin(), names.end(), s) == names.end()) names.push_back(s);
  return names;
}

static std::vector<std::string> string_list(JsonReader r) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r.array_size(); ++i) out.push_back(r.element(i).string());
  return out;
}

static std::vector<double> number_list(JsonReader r) {
  std::vector<double> out;
  if (r.is_null()) return out;
  for (std::size_t i = 0; i < r.array_size(); ++i) out.push_back(r.element(i).number());
  return out;
}

static TraceMeta load_meta(const std::string& path) {
  JsonReader r(read_json_file(path), path);
  TraceMeta m;
  m.class_names = string_list(r.at("classes"));
  m.exit_names = string_list(r.at("exits"));
  if (m.class_names.size() < 2) r.at("classes").fail("at least 2 class names");
  if (m.exit_names.empty()) r.at("exits").fail("at least 1 exit name");
  m.dataset = r.at("dataset").string();
  m.model = r.at("model").string();
  m.source = r.at("source").string();
  m.exit_accuracy = number_list(r.optional("exit_accuracy"));
  m.exit_accuracy_split = r.string_or("exit_accuracy_split", "");
  m.exit_time_s = number_list(r.optional("exit_time_s"));
  m.notes = r.string_or("notes", "");  // free text for humans
  auto restricted = r.optional("exit_classes");
  if (!restricted.is_null())
    for (const auto& key : restricted.keys()) {
      auto list = restricted.at(key);
      int exit = -1;
      try {
        exit = std::stoi(key);
      } catch (const std::exception&) {
      }
      if (exit < 0 || exit >= static_cast<int>(m.exit_names.size()))
        list.fail(fmt::format("an exit index (0..{}) as the key, got \"{}\"", m.exit_names.size() - 1, key));
      for (const auto& name : string_list(list)) {
        auto it = std::find(m.class_names.begin(), m.class_names.end(), name);
        if (it == m.class_names.end()) list.fail(fmt::format("class names of \"classes\", got \"{}\"", name));
        m.exit_classes[exit].push_back(static_cast<int>(it - m.class_names.begin()));
      }
    }
  r.optional("generator");  // free-form record of how the trace was produced
  r.reject_unknown_keys();
  return m;
}

namespace {
struct Row {
  int exit;
  int label;
  int prediction;
  double confidence;
  double entropy;
  std::vector<double> probs;
  std::string split;
};
}  // namespace

Trace load_trace(const std::string& csv_path) {
  Trace t;
  t.path = csv_path;
  CsvReader csv(csv_path);
  t.meta = load_meta(sidecar_path(csv_path));
  const int exits = static_cast<int>(t.meta.exit_names.size());
  const int classes = static_cast<int>(t.meta.class_names.size());
  const auto c_sample = csv.column("sample"), c_exit = csv.column("exit"), c_label = csv.column("label"),
             c_pred = csv.column("prediction"), c_conf = csv.column("confidence");
  const long c_entropy = csv.optional_column("entropy"), c_split = csv.optional_column("split");
  std::vector<std::size_t> c_prob;
  for (int k = 0; k < classes; ++k) {
    long c = csv.optional_column(fmt::format("p{}", k));
    if (c >= 0) c_prob.push_back(static_cast<std::size_t>(c));
  }
  if (!c_prob.empty() && static_cast<int>(c_prob.size()) != classes)
    csv.fail(fmt::format("expected probability columns p0..p{} for all {} classes, found {}", classes - 1,
                         classes, c_prob.size()));

  // sample id -> its rows (one per exit), kept in file order first, sorted by id afterwards.
  std::unordered_map<long long, std::vector<Row>> by_sample;
  std::unordered_map<long long, std::size_t> first_line;
  while (csv.next()) {
    Row row;
    long long id = csv.integer(c_sample);
    row.exit = csv.integer_in(c_exit, kIntMin, kIntMax, "exit");
    if (row.exit < 0 || row.exit >= exits)
      csv.fail(fmt::format("exit index {} is unknown: the sidecar lists {} exits (0..{})", row.exit, exits,
                           exits - 1));
    row.label = csv.integer_in(c_label, kIntMin, kIntMax, "label");  // range against the classes below
    row.prediction = csv.integer_in(c_pred, kIntMin, kIntMax, "prediction");
    if (auto it = t.meta.exit_classes.find(row.exit); it != t.meta.exit_classes.end() &&
        std::find(it->second.begin(), it->second.end(), row.prediction) == it->second.end())
      csv.fail(fmt::format("prediction {} at exit {} is outside the classes the sidecar gives that exit", row.prediction,
                           row.exit));
    for (auto [name, v] : {std::pair{"label", row.label}, std::pair{"prediction", row.prediction}})
      if (v < 0 || v >= classes)
        csv.fail(fmt::format("{} {} is outside the {} classes (expected 0..{})", name, v, classes, classes - 1));
    double conf = csv.real(c_conf);
    if (!(conf >= 0.0 && conf <= 1.0)) csv.fail(fmt::format("confidence {} is not in [0, 1]", conf));
    row.confidence = conf;
    row.entropy = NAN;
    if (c_entropy >= 0) {
      double h = csv.real(static_cast<std::size_t>(c_entropy));
      if (!(h >= 0.0 && h <= std::log(classes) + 1e-4))
        csv.fail(fmt::format("entropy {} is not in [0, ln {}]", h, classes));
      row.entropy = h;
    }
    for (auto c : c_prob) {
      double p = csv.real(c);
      if (!(p >= 0.0 && p <= 1.0)) csv.fail(fmt::format("probability {} is not in [0, 1]", p));
      row.probs.push_back(p);
    }
    if (c_split >= 0) row.split = std::string(csv.text(static_cast<std::size_t>(c_split)));
    auto& rows = by_sample[id];
    if (rows.empty()) first_line[id] = csv.line();
    for (const auto& other : rows) {
      if (other.exit == row.exit) csv.fail(fmt::format("sample {} has exit {} twice", id, row.exit));
      if (other.label != row.label)
        csv.fail(fmt::format("sample {} has label {} here but {} on another row", id, row.label, other.label));
    }
    rows.push_back(std::move(row));
  }
  if (by_sample.empty()) csv.fail("no data rows (expected one row per sample and exit)");

  for (const auto& [id, rows] : by_sample) t.sample_ids.push_back(id);
  std::sort(t.sample_ids.begin(), t.sample_ids.end());
  const int n = static_cast<int>(t.sample_ids.size());
  t.label.resize(n);
  t.prediction.resize(n, exits);
  t.confidence.resize(n, exits);
  t.split.assign(n, "");
  const bool entropy_column = c_entropy >= 0;
  RealMatrix entropy(n, exits);
  if (!c_prob.empty()) t.probability.assign(exits, RealMatrix(n, classes));
  for (int s = 0; s < n; ++s) {
    const auto& rows = by_sample[t.sample_ids[s]];
    if (static_cast<int>(rows.size()) != exits)
      throw InputError(fmt::format("{}:{}: sample {} has {} of the {} exits (expected one row per exit)",
                                   csv_path, first_line[t.sample_ids[s]], t.sample_ids[s], rows.size(), exits));
    t.label(s) = rows.front().label;
    t.split[s] = rows.front().split;
    for (const auto& row : rows) {
      t.prediction(s, row.exit) = row.prediction;
      t.confidence(s, row.exit) = row.confidence;
      entropy(s, row.exit) = row.entropy;
      for (int k = 0; k < static_cast<int>(row.probs.size()); ++k) t.probability[row.exit](s, k) = row.probs[k];
    }
  }
  // Two classes: the whole softmax follows from the max, p = (conf for the prediction, 1 - conf).
  if (!t.has_probabilities() && classes == 2) {
    t.probability.assign(exits, RealMatrix(n, 2));
    t.probability_derived = true;
    for (int e = 0; e < exits; ++e)
      for (int s = 0; s < n; ++s) {
        t.probability[e](s, t.prediction(s, e)) = t.confidence(s, e);
        t.probability[e](s, 1 - t.prediction(s, e)) = 1.0 - t.confidence(s, e);
      }
  }
  // Entropy: given, or computed from the probabilities (exact for 2 classes, see above).
  if (entropy_column) {
    t.entropy = entropy;
  } else if (t.has_probabilities()) {
    t.entropy.resize(n, exits);
    for (int e = 0; e < exits; ++e) {
      const auto& p = t.probability[e];
      t.entropy.col(e) = -(p * (p.max(1e-300)).log()).rowwise().sum();
    }
  }
  return t;
}

void write_trace(const Trace& t, const std::string& csv_path) {
  const bool with_entropy = t.has_entropy(), with_split = !t.split.empty() && !t.split[0].empty();
  const bool with_probabilities = t.has_probabilities() && !t.probability_derived;
  {
    auto out = fmt::output_file(csv_path + ".tmp");
    out.print("sample,exit,label,prediction,confidence");
    if (with_entropy) out.print(",entropy");
    if (with_split) out.print(",split");
    if (with_probabilities)
      for (int k = 0; k < t.classes(); ++k) out.print(",p{}", k);
    out.print("\n");
    for (int s = 0; s < t.samples(); ++s)
      for (int e = 0; e < t.exits(); ++e) {
        out.print("{},{},{},{},{}", t.sample_ids[s], e, t.label(s), t.prediction(s, e), t.confidence(s, e));
        if (with_entropy) out.print(",{}", t.entropy(s, e));
        if (with_split) out.print(",{}", t.split[s]);
        if (with_probabilities)
          for (int k = 0; k < t.classes(); ++k) out.print(",{}", t.probability[e](s, k));
        out.print("\n");
      }
  }
  nlohmann::ordered_json meta;
  meta["dataset"] = t.meta.dataset;
  meta["model"] = t.meta.model;
  meta["source"] = t.meta.source;
  meta["classes"] = t.meta.class_names;
  meta["exits"] = t.meta.exit_names;
  std::vector<double> acc;
  for (int e = 0; e < t.exits(); ++e) acc.push_back(std::round(t.exit_accuracy(e) * 1e6) / 1e6);
  meta["exit_accuracy"] = acc;
  if (!t.meta.exit_time_s.empty()) meta["exit_time_s"] = t.meta.exit_time_s;
  if (!t.meta.notes.empty()) meta["notes"] = t.meta.notes;
  {
    auto out = fmt::output_file(sidecar_path(csv_path) + ".tmp");
    out.print("{}\n", meta.dump(2));
  }
  std::filesystem::rename(csv_path + ".tmp", csv_path);
  std::filesystem::rename(sidecar_path(csv_path) + ".tmp", sidecar_path(csv_path));
}

}  // namespace tiersim

namespace tiersim {

void assign_split(Trace& trace, double fraction, std::uint64_t seed) {
  trace.split.assign(static_cast<std::size_t>(trace.samples()), "test");
  for (int s = 0; s < trace.samples(); ++s)
    if (uniform01(seed, kStreamSplit, static_cast<std::uint64_t>(trace.sample_ids[s])) < fraction)
      trace.split[s] = "calibration";
}

}  // namespace tiersim
