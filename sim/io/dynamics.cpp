#include "io/dynamics.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

#include "core/json_reader.hpp"
#include "io/csv.hpp"
#include "core/error.hpp"

namespace tiersim {

namespace {

TrainingDynamics from_epochs(const std::string& path, int wanted_exit) {
  CsvReader csv(path);
  const auto c_sample = csv.column("sample"), c_epoch = csv.column("epoch"), c_prob = csv.column("gold_prob");
  const long c_exit = csv.optional_column("exit");
  std::map<int, std::map<long long, std::map<long long, double>>> by_exit;  // exit -> sample -> epoch -> p
  while (csv.next()) {
    const int exit = c_exit >= 0 ? csv.integer_in(static_cast<std::size_t>(c_exit), kIntMin, kIntMax, "exit") : 0;
    const long long id = csv.integer(c_sample), epoch = csv.integer(c_epoch);
    const double p = csv.real(c_prob);
    if (!(p >= 0.0 && p <= 1.0)) csv.fail(fmt::format("gold_prob {} is not in [0, 1]", p));
    if (!by_exit[exit][id].emplace(epoch, p).second)
      csv.fail(fmt::format("sample {} has epoch {} twice{}", id, epoch, c_exit >= 0 ? fmt::format(" at exit {}", exit) : ""));
  }
  if (by_exit.empty()) csv.fail("no data rows (expected one row per sample and epoch)");
  const int exit = wanted_exit >= 0 ? wanted_exit : by_exit.rbegin()->first;
  if (!by_exit.count(exit)) throw InputError(fmt::format("{}: no rows for exit {}", path, exit));
  TrainingDynamics d;
  d.path = path;
  for (const auto& [id, epochs] : by_exit[exit]) {
    double mean = 0, var = 0;
    for (const auto& [e, p] : epochs) mean += p;
    mean /= static_cast<double>(epochs.size());
    for (const auto& [e, p] : epochs) var += (p - mean) * (p - mean);
    d.ids.push_back(id);
    d.confidence.push_back(mean);
    d.variability.push_back(std::sqrt(var / static_cast<double>(epochs.size())));
  }
  return d;
}

// A data map's guid: an integer, or a string holding one (the cartography code writes either);
// a float only when it is a whole number within long long's range (checked before converting).
std::optional<long long> sample_id(const nlohmann::json& guid) {
  long long id = 0;
  if (guid.is_string()) {
    const auto& text = guid.get_ref<const std::string&>();
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return id;
  }
  if (guid.is_number_unsigned()) {
    const auto u = guid.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) return std::nullopt;
    return static_cast<long long>(u);
  }
  if (guid.is_number_integer()) return guid.get<long long>();
  if (guid.is_number_float()) {
    const double v = guid.get<double>();
    if (v != std::floor(v) || !(std::abs(v) < 9.2e18)) return std::nullopt;
    return static_cast<long long>(v);
  }
  return std::nullopt;
}

TrainingDynamics from_data_map(const std::string& path) {
  LineReader lines(path, "training dynamics as JSON lines");
  std::map<long long, std::pair<double, double>> rows;
  std::string text;
  while (lines.next(text)) {
    const std::size_t line = lines.line();
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}:{}: {}", path, line, what)); };
    // Bounded in depth: a guid nested 400 000 deep overflowed the stack when dumped for its error.
    const auto parsed = parse_json_text(text, fmt::format("{}:{}", path, line));
    if (!parsed) fail("expected one JSON object per line");
    const nlohmann::json& j = *parsed;
    if (!j.is_object() || !j.contains("guid") || !j.contains("confidence") || !j.contains("variability"))
      fail("expected an object with guid, confidence and variability");
    const auto id = sample_id(j["guid"]);
    if (!id) fail(fmt::format("guid {}: expected an integer sample id", j["guid"].dump().substr(0, 40)));
    if (!j["confidence"].is_number() || !j["variability"].is_number()) fail("confidence and variability must be numbers");
    const double mu = j["confidence"], sigma = j["variability"];
    if (!(mu >= 0 && mu <= 1) || !(sigma >= 0 && sigma <= 0.5))
      fail(fmt::format("confidence {} or variability {} out of range ([0, 1], [0, 0.5])", mu, sigma));
    if (!rows.emplace(*id, std::pair{mu, sigma}).second) fail(fmt::format("guid {} appears twice", *id));
  }
  if (rows.empty()) throw InputError(fmt::format("{}: no samples (expected JSON lines)", path));
  TrainingDynamics d;
  d.path = path;
  for (const auto& [id, v] : rows) {
    d.ids.push_back(id);
    d.confidence.push_back(v.first);
    d.variability.push_back(v.second);
  }
  return d;
}

}  // namespace

TrainingDynamics load_dynamics(const std::string& path, int exit) {
  const bool jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  return jsonl ? from_data_map(path) : from_epochs(path, exit);
}

std::vector<Pool> threshold_pools(const TrainingDynamics& d, double easy_min, double hard_max) {
  std::vector<Pool> pools;
  for (double mu : d.confidence) pools.push_back(mu >= easy_min ? Pool::Easy : mu < hard_max ? Pool::Hard : Pool::Medium);
  return pools;
}

std::vector<Pool> kmeans_pools(const TrainingDynamics& d) {
  const int n = d.size();
  std::vector<int> by_mu(n);
  std::iota(by_mu.begin(), by_mu.end(), 0);
  std::stable_sort(by_mu.begin(), by_mu.end(), [&](int a, int b) { return d.confidence[a] < d.confidence[b]; });
  std::array<std::array<double, 2>, 3> centre;
  for (int k = 0; k < 3; ++k) {
    const int s = by_mu[std::min(n - 1, k * (n - 1) / 2)];
    centre[k] = {d.confidence[s], d.variability[s]};
  }
  std::vector<int> cluster(n, -1);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    bool changed = false;
    for (int s = 0; s < n; ++s) {
      int best = 0;
      double best_d = INFINITY;
      for (int k = 0; k < 3; ++k) {
        const double dx = d.confidence[s] - centre[k][0], dy = d.variability[s] - centre[k][1];
        if (dx * dx + dy * dy < best_d) best_d = dx * dx + dy * dy, best = k;
      }
      changed = changed || cluster[s] != best;
      cluster[s] = best;
    }
    if (!changed) break;
    for (int k = 0; k < 3; ++k) {
      double x = 0, y = 0, count = 0;
      for (int s = 0; s < n; ++s)
        if (cluster[s] == k) x += d.confidence[s], y += d.variability[s], count += 1;
      if (count > 0) centre[k] = {x / count, y / count};
    }
  }
  // Name clusters by their centre's mu: highest is easy.
  std::array<int, 3> order{0, 1, 2};
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return centre[a][0] > centre[b][0]; });
  std::array<Pool, 3> name{};
  for (int rank = 0; rank < 3; ++rank) name[order[rank]] = static_cast<Pool>(rank);
  std::vector<Pool> pools;
  for (int c : cluster) pools.push_back(name[c]);
  return pools;
}

}  // namespace tiersim
