#include "batch/sweep.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "batch/config.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/rng.hpp"

namespace tiersim {

namespace {

using Assignment = std::vector<std::pair<std::string, nlohmann::json>>;  // path -> value

// The most points a sweep may expand to (and values a range may hold): far above any cluster
// campaign, far below what exhausts memory (a point's resolved config is a few kB).
constexpr long long kMaxSweepPoints = 1000000;

std::vector<nlohmann::json> value_list(JsonReader r) {
  std::vector<nlohmann::json> values;
  if (r.raw().is_array()) {
    for (const auto& v : r.raw()) values.push_back(v);
  } else if (r.has("range")) {
    auto a = r.at("range");
    if (a.array_size() != 3) a.fail("[start, stop, step]");
    const bool integers = a.raw()[0].is_number_integer() && a.raw()[1].is_number_integer() && a.raw()[2].is_number_integer();
    const double start = a.element(0).number(), stop = a.element(1).number(), step = a.element(2).number();
    if (step == 0) a.element(2).fail("a non-zero step");
    if (const double count = std::ceil((stop - start) / step); count > static_cast<double>(kMaxSweepPoints))
      a.fail(fmt::format("at most {} values, got a range of {:.3g}", kMaxSweepPoints, count));
    for (long long i = 0;; ++i) {
      const double v = start + static_cast<double>(i) * step;
      if ((step > 0 && v >= stop - 1e-12 * std::abs(step)) || (step < 0 && v <= stop + 1e-12 * std::abs(step))) break;
      values.push_back(integers ? nlohmann::json(static_cast<long long>(std::llround(v))) : nlohmann::json(v));
    }
  } else if (r.has("linspace") || r.has("logspace")) {
    const bool log = r.has("logspace");
    auto a = r.at(log ? "logspace" : "linspace");
    if (a.array_size() != 3) a.fail("[first, last, count]");
    const double first = a.element(0).number(), last = a.element(1).number();
    const long long n = a.element(2).integer_at_least(1);
    if (n > kMaxSweepPoints) a.element(2).fail(fmt::format("at most {} values, got {}", kMaxSweepPoints, n));
    for (long long i = 0; i < n; ++i) {
      const double v = n == 1 ? first : first + (last - first) * static_cast<double>(i) / static_cast<double>(n - 1);
      values.push_back(log ? std::pow(10.0, v) : v);
    }
  } else {
    r.fail("an array of values or {\"range\" | \"linspace\" | \"logspace\": [...]}");
  }
  r.reject_unknown_keys();
  if (values.empty()) r.fail("at least one value (this range is empty)");
  return values;
}

// Checks that `path` names a key of the config: setting it must not create an unknown key.
void check_path(const nlohmann::json& base, const std::string& path, const nlohmann::json& value,
                const std::string& config_path, const std::string& where) {
  nlohmann::json probe = base;
  probe.erase("sweep");
  try {
    apply_override(probe, path + "=" + value.dump());
    parse_experiment(probe, config_path);
  } catch (const InputError& e) {
    const std::string message = e.what();
    std::string pointer = "/" + path;
    for (auto& ch : pointer)
      if (ch == '.') ch = '/';
    if (message.find("unknown key") != std::string::npos && message.find(pointer) != std::string::npos)
      throw InputError(fmt::format("{}: {}: \"{}\" names no config key ({})", config_path, where, path, message));
    if (message.find(pointer) != std::string::npos)
      throw InputError(fmt::format("{}: {}: a value of \"{}\" is not valid: {}", config_path, where, path, message));
    // Errors elsewhere in the config are reported when the points are parsed.
  }
}

}  // namespace

std::string config_hash(const nlohmann::json& config) {
  const std::string text = config.dump();
  std::uint64_t h = 0x51ED270B27A4F1C3ULL;
  for (unsigned char c : text) h = splitmix64(h ^ c);
  return fmt::format("{:016x}", h).substr(0, 12);
}

namespace {

// One sweep object's points: its "set" values (fixed for this part), then the product of its
// grid keys and its zip group, each combination replicated `seeds` times.
struct SweepPart {
  std::vector<Assignment> combos{{}};
  long long seeds = 1;
};

SweepPart read_part(JsonReader sweep, const nlohmann::json& config, const std::string& config_path) {
  SweepPart part;
  nlohmann::json base = config;  // with this part's "set" applied, to check its grid paths against
  Assignment fixed;
  auto set = sweep.optional("set");
  if (!set.is_null())
    for (const auto& path : set.keys()) {
      const nlohmann::json value = set.at(path).raw();
      check_path(base, path, value, config_path, set.path() + "/" + path);
      apply_override(base, path + "=" + value.dump());
      fixed.push_back({path, value});
    }
  std::vector<std::vector<Assignment>> factors{{fixed}};
  auto grid = sweep.optional("grid");
  if (!grid.is_null())
    for (const auto& path : grid.keys()) {
      auto values = value_list(grid.at(path));
      check_path(base, path, values.front(), config_path, grid.path() + "/" + path);
      std::vector<Assignment> factor;
      for (const auto& v : values) factor.push_back({{path, v}});
      factors.push_back(factor);
    }
  auto zip = sweep.optional("zip");
  if (!zip.is_null()) {
    std::vector<Assignment> factor;
    std::size_t length = 0;
    for (const auto& path : zip.keys()) {
      auto values = value_list(zip.at(path));
      check_path(base, path, values.front(), config_path, zip.path() + "/" + path);
      if (factor.empty()) {
        length = values.size();
        factor.resize(length);
      } else if (values.size() != length) {
        zip.at(path).fail(fmt::format("{} values like the other zipped keys, got {}", length, values.size()));
      }
      for (std::size_t i = 0; i < length; ++i) factor[i].push_back({path, values[i]});
    }
    if (!factor.empty()) factors.push_back(factor);
  }
  part.seeds = sweep.integer_or("seeds", 1);
  if (part.seeds < 1) sweep.at("seeds").fail(fmt::format("an integer >= 1, got {}", part.seeds));
  sweep.reject_unknown_keys();
  // The number of points before building them: a grid's product can be huge with short lists.
  double points = static_cast<double>(part.seeds);
  for (const auto& factor : factors) points *= static_cast<double>(factor.size());
  if (points > static_cast<double>(kMaxSweepPoints))
    sweep.fail(fmt::format("at most {} points, got {:.3g} (grid product x zip x seeds)", kMaxSweepPoints, points));
  for (const auto& factor : factors) {
    std::vector<Assignment> next;
    for (const auto& combo : part.combos)
      for (const auto& choice : factor) {
        Assignment a = combo;
        a.insert(a.end(), choice.begin(), choice.end());
        next.push_back(a);
      }
    part.combos = std::move(next);
  }
  return part;
}

}  // namespace

std::vector<RunPoint> expand_sweep(const nlohmann::json& config, const std::string& config_path) {
  if (!config.is_object() || !config.contains("sweep")) {
    const std::string name = config.is_object() && config.contains("name") && config["name"].is_string()
                                 ? config["name"].get<std::string>() : "run";
    return {RunPoint{name, config}};
  }
  // What the expansion reads of the base config itself (the rest is checked per point).
  if (config.contains("name") && !config["name"].is_string())
    JsonReader(config["name"], config_path, "/name").fail("a string (the run's name)");
  // "sweep" is one sweep object or a list of them, whose points are joined.
  std::vector<SweepPart> parts;
  if (config["sweep"].is_array()) {
    JsonReader list(config["sweep"], config_path, "/sweep");
    if (list.array_size() == 0) list.fail("at least one sweep object");
    for (std::size_t i = 0; i < list.array_size(); ++i) parts.push_back(read_part(list.element(i), config, config_path));
  } else {
    parts.push_back(read_part(JsonReader(config["sweep"], config_path, "/sweep"), config, config_path));
  }

  double total = 0;
  for (const auto& part : parts) total += static_cast<double>(part.combos.size()) * static_cast<double>(part.seeds);
  if (total > static_cast<double>(kMaxSweepPoints))
    JsonReader(config["sweep"], config_path, "/sweep")
        .fail(fmt::format("at most {} points in all, got {:.3g}", kMaxSweepPoints, total));
  nlohmann::json base = config;
  base.erase("sweep");
  const long long base_seed =
      base.contains("simulation") && base["simulation"].contains("seed") && base["simulation"]["seed"].is_number_integer()
          ? base["simulation"]["seed"].get<long long>() : 1;
  std::vector<RunPoint> points;
  std::set<std::string> seen;
  const std::string name = base.value("name", std::string("run"));
  for (const auto& part : parts)
    for (const auto& combo : part.combos)
      for (long long s = 0; s < part.seeds; ++s) {
        nlohmann::json resolved = base, values = nlohmann::json::object();
        for (const auto& [path, value] : combo) {
          apply_override(resolved, path + "=" + value.dump());
          if (!value.is_structured()) values[path] = value;  // objects (a whole policy) stay in config.json
        }
        if (part.seeds > 1) {
          if (!resolved["simulation"].is_null() && !resolved["simulation"].is_object())
            JsonReader(resolved["simulation"], config_path, "/simulation").fail("an object (seeds are set in it)");
          resolved["simulation"]["seed"] = values["simulation.seed"] = base_seed + s;
        }
        const std::string id = name + "-" + config_hash(resolved);
        resolved["name"] = id;
        if (seen.insert(id).second) points.push_back({id, resolved, values});  // identical points run once
      }
  return points;
}

}  // namespace tiersim
