// Calibrated network models: SimGrid's CM02 with latency and bandwidth factors that depend on the
// route (a glob on its links' ids) and on the transfer's size, and its TCP window bound, read from
// <platform's folder>/network/<name>.json. bench/ns3/calibrate.py fits them against the ns-3
// reference and records the fit (cases, residuals) in the file's "fit" object, which tiersim keeps
// but does not read. Format: platforms/README.md, "Calibrated network models".
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "network/network_model.hpp"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

// SMPI-style [[bytes, value], ...] steps (a non-empty list, checked by the caller): sizes from 0,
// increasing. `pair` names a step's shape in messages; `value_is_number`: the value must be one.
template <class ReadValue>
auto read_steps(JsonReader r, const std::string& pair, bool value_is_number, ReadValue read_value) {
  std::vector<std::pair<double, decltype(read_value(r))>> steps;
  for (std::size_t i = 0; i < r.array_size(); ++i) {
    JsonReader step = r.element(i);
    if (!step.raw().is_array() || step.raw().size() != 2 || !step.raw()[0].is_number() ||
        (value_is_number && !step.raw()[1].is_number()))
      step.fail(pair);
    const double bytes = step.raw()[0].get<double>();
    if (i == 0 && bytes != 0) step.element(0).fail(fmt::format("0 (the first step starts at 0 bytes), got {}", bytes));
    if (i > 0 && !(bytes > steps.back().first))
      step.element(0).fail(fmt::format("a size above the previous step's {} bytes (steps increase in size), got {}",
                                       steps.back().first, bytes));
    steps.emplace_back(bytes, read_value(step.element(1)));
  }
  return steps;
}

// A number (one factor for every size) or [[bytes, factor], ...] with sizes from 0, increasing.
// `what` names the value in messages ("factor", or "window" in bytes).
SizeFactor read_size_factor(JsonReader r, const char* what = "factor") {
  auto positive = [what](JsonReader v) {
    const double x = v.number();
    if (!(x > 0) || !std::isfinite(x)) v.fail(fmt::format("a {} > 0, got {}", what, x));
    return x;
  };
  SizeFactor f;
  if (r.raw().is_number()) {
    const double v = r.number();
    if (!(v > 0) || !std::isfinite(v)) r.fail(fmt::format("a {} > 0, got {}", what, r.raw().dump()));
    f.steps = {{0.0, v}};
    return f;
  }
  if (!r.raw().is_array() || r.raw().empty())
    r.fail(fmt::format("a {0} > 0 or a list of [bytes, {0}] steps, the first at 0 bytes", what));
  f.steps = read_steps(r, fmt::format("a [bytes, {}] pair of numbers", what), true, positive);
  return f;
}

// Quantiles of a time multiplier: a non-empty list of numbers > 0, not decreasing.
std::vector<double> read_quantiles(JsonReader r) {
  const char* expected = "a list of quantiles (numbers > 0, not decreasing) at probabilities evenly spaced from 0 to 1";
  if (!r.raw().is_array() || r.raw().empty()) r.fail(expected);
  std::vector<double> q;
  for (std::size_t i = 0; i < r.array_size(); ++i) {
    JsonReader v = r.element(i);
    if (!v.raw().is_number()) v.fail(expected);
    const double x = v.number();
    if (!(x > 0) || !std::isfinite(x)) v.fail(fmt::format("a quantile > 0, got {}", v.raw().dump()));
    if (!q.empty() && x < q.back())
      v.fail(fmt::format("a quantile >= the previous one, {} (quantiles do not decrease), got {}", q.back(), x));
    q.push_back(x);
  }
  return q;
}

// One list of quantiles (every size) or [[bytes, [quantiles]], ...] with sizes from 0, increasing.
SizeJitter read_jitter(JsonReader r) {
  SizeJitter j;
  if (r.raw().is_array() && !r.raw().empty() && r.raw()[0].is_number()) {
    j.steps = {{0.0, read_quantiles(r)}};
    return j;
  }
  if (!r.raw().is_array() || r.raw().empty())
    r.fail("a list of quantiles or a list of [bytes, [quantiles]] steps, the first at 0 bytes");
  j.steps = read_steps(r, "a [bytes, [quantiles]] pair", false, read_quantiles);
  return j;
}

// A glob on link ids or a non-empty list of them (a route must cross a link matching each).
std::vector<std::string> read_globs(JsonReader r) {
  const char* expected = "a glob on link ids or a list of them, e.g. \"wan\" or [\"phones_*\", \"wan\"]";
  std::vector<std::string> globs;
  if (r.raw().is_string()) globs.push_back(r.string());
  else if (r.raw().is_array() && !r.raw().empty())
    for (std::size_t i = 0; i < r.array_size(); ++i) {
      if (!r.raw()[i].is_string()) r.element(i).fail("a glob on link ids");
      globs.push_back(r.element(i).string());
    }
  else r.fail(expected);
  for (std::size_t i = 0; i < globs.size(); ++i)
    if (globs[i].empty()) (r.raw().is_string() ? r : r.element(i)).fail(expected);
  return globs;
}

std::vector<std::string> calibrated_names(const std::string& platform_path) {
  std::vector<std::string> names;
  const fs::path dir = fs::path(platform_path).parent_path() / "network";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  return names;
}

}  // namespace

NetworkModelInfo read_calibrated_model(const std::string& name, const std::string& file) {
  JsonReader root(read_json_file(file), file);
  if (!root.raw().is_object()) root.fail("a JSON object with \"routes\"");
  NetworkModelInfo m;
  m.name = name;
  m.file = file;
  m.summary = root.string_or("summary", "calibrated CM02 (" + file + ")");
  if (root.has("tcp_gamma_bytes")) m.tcp_gamma = root.at("tcp_gamma_bytes").number_in(1, 1e12);
  if (root.has("platform")) m.fitted_platform = root.at("platform").string();
  m.simgrid_config = {"--cfg=network/model:CM02", fmt::format("--cfg=network/TCP-gamma:{}", m.tcp_gamma)};
  JsonReader routes = root.at("routes");
  if (!routes.raw().is_array() || routes.raw().empty()) routes.fail("a non-empty list of route factors");
  for (std::size_t i = 0; i < routes.array_size(); ++i) {
    JsonReader entry = routes.element(i);
    RouteFactors f;
    f.through = read_globs(entry.at("through"));
    f.latency = entry.has("latency_factor") ? read_size_factor(entry.at("latency_factor")) : SizeFactor{};
    f.bandwidth = entry.has("bandwidth_factor") ? read_size_factor(entry.at("bandwidth_factor")) : SizeFactor{};
    if (entry.has("tcp_gamma_bytes")) {
      f.tcp_gamma = read_size_factor(entry.at("tcp_gamma_bytes"), "window in bytes");
      f.has_tcp_gamma = true;
    }
    if (entry.has("time_jitter")) f.time_jitter = read_jitter(entry.at("time_jitter"));
    if (entry.has("fit")) entry.at("fit");  // the calibration's record: kept, not read
    entry.reject_unknown_keys();
    m.routes.push_back(std::move(f));
  }
  if (root.has("links")) {
    JsonReader links = root.at("links");
    if (!links.raw().is_array())
      links.fail("a list of {\"through\": glob, \"bandwidth_factor\": factor, \"contention_decay\": decay}");
    for (std::size_t i = 0; i < links.array_size(); ++i) {
      JsonReader entry = links.element(i);
      LinkCapacity c;
      c.through = entry.at("through").string();
      if (c.through.empty()) entry.at("through").fail("a glob on link ids, e.g. \"phones_backbone\"");
      c.factor = entry.has("bandwidth_factor") ? entry.at("bandwidth_factor").number() : 1.0;
      if (!(c.factor > 0) || !std::isfinite(c.factor))
        entry.at("bandwidth_factor").fail(fmt::format("a factor > 0, got {}", c.factor));
      if (entry.has("contention_decay")) {
        c.contention_decay = entry.at("contention_decay").number();
        if (!(c.contention_decay >= 0) || !std::isfinite(c.contention_decay))
          entry.at("contention_decay").fail(fmt::format("a decay >= 0, got {}", c.contention_decay));
        if (c.contention_decay > 0 && !m.contention) m.contention = std::make_shared<LinkContention>();
      }
      if (c.contention_decay > 0) {
        if (!entry.has("contention_up_to"))
          entry.fail("\"contention_up_to\" with \"contention_decay\": the most transfers in flight the decay holds for "
                     "(the range it was fitted on)");
        c.contention_up_to = static_cast<int>(entry.at("contention_up_to").number_in(1, 1e6));
      } else if (entry.has("contention_up_to")) {
        entry.at("contention_up_to");  // read: meaningful only with a decay
      }
      entry.reject_unknown_keys();
      m.links.push_back(std::move(c));
    }
  }
  if (root.has("fit")) root.at("fit");
  root.reject_unknown_keys();
  m.index_globs();
  return m;
}

NetworkModelInfo load_network_model(const std::string& name, const std::string& platform_path,
                                    const std::string& where) {
  if (const NetworkModelInfo* built_in = NetworkModels::lookup(name)) return *built_in;
  const fs::path file = fs::path(platform_path).parent_path() / "network" / (name + ".json");
  const bool plain_name = !name.empty() && name.find('/') == std::string::npos && name.front() != '.';
  if (plain_name && fs::is_regular_file(file)) return read_calibrated_model(name, file.string());
  const auto built_in = NetworkModels::names();
  std::set<std::string> names(built_in.begin(), built_in.end());
  const auto calibrated = calibrated_names(platform_path);
  names.insert(calibrated.begin(), calibrated.end());
  throw InputError(fmt::format("{}: unknown network model \"{}\" (expected one of: {}; calibrated models are "
                               "<platform's folder>/network/NAME.json, here {})",
                               where, name, fmt::join(names, ", "),
                               (fs::path(platform_path).parent_path() / "network").string()));
}

}  // namespace tiersim
