#pragma once
// Per-request records and the metrics made from them. Every metric is computed here, from
// the stream of records that either engine emits: add a metric in Metrics and both engines
// report it. Memory does not grow with the number of requests (records stream to disk).
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/tier.hpp"

namespace tiersim {

struct RequestRecord {
  std::uint64_t request = 0;
  int device = 0;
  int sample = 0;
  int label = 0;  // the sample's true class
  double arrival_s = 0, finish_s = 0;
  int exit = -1;
  Tier exit_tier = Tier::Mobile;
  bool correct = false;
  std::array<double, kTiers> compute_j{};      // MACs x energy per MAC, by tier
  double radio_j = 0;                          // mobile radio while sending/receiving
  std::array<double, kTiers> host_busy_j{};    // host power above idle while computing, by tier
  double bytes_up = 0;                         // bytes sent to a higher tier (all hops)
  int decisions = 0;                           // times the policy was consulted
  double cost_units = 0;                       // lambda x layers + o x offloads (when configured)
  double latency_s() const { return finish_s - arrival_s; }
};

// Log-bucketed latency histogram: quantiles within 0.05 % relative, constant memory.
class LatencyHistogram {
 public:
  LatencyHistogram();
  void add(double seconds);
  // Nearest-rank quantiles for ascending qs in [0, 1], in one pass over the buckets.
  std::vector<double> quantiles(const std::vector<double>& qs) const;
  double min() const { return min_; }
  double max() const { return max_; }

 private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0, below_ = 0;
  double min_ = 0, max_ = 0;
};

class Metrics {
 public:
  // `fp32_reference_j`: compute energy of one inference through every stage at 32 bits (the
  // all-full-precision network), against which the compute-energy reduction is reported.
  Metrics(int exits, std::vector<std::string> class_names, double fp32_reference_j);
  void add(const RequestRecord& r);
  // Engine-measured host energy above idle (J, whole run) replaces the per-request sums when given.
  void set_host_busy_energy(const std::array<double, kTiers>& joules) { host_busy_override_ = joules; has_override_ = true; }
  // Energy of the platform's links (SimGrid's link energy plugin; SimGrid engine only), whole run.
  void set_network_energy(double joules) { network_j_ = joules; }
  void report_cost_units() { report_cost_ = true; }
  nlohmann::ordered_json summary() const;
  std::uint64_t requests() const { return requests_; }

 private:
  std::uint64_t requests_ = 0, correct_ = 0;
  std::array<std::uint64_t, kTiers> exits_by_tier_{};
  std::vector<std::uint64_t> exits_by_index_;
  std::vector<std::string> class_names_;
  std::vector<std::array<std::uint64_t, kTiers>> exits_by_class_;  // [class][tier]
  std::vector<std::uint64_t> correct_by_class_;
  double latency_sum_ = 0;
  LatencyHistogram latency_;
  std::array<double, kTiers> compute_j_{}, host_busy_j_{}, host_busy_override_{};
  bool has_override_ = false;
  double network_j_ = -1;  // < 0: not measured
  double fp32_reference_j_ = 0;
  double cost_units_ = 0;
  bool report_cost_ = false;
  double radio_j_ = 0, bytes_up_ = 0, last_finish_s_ = 0;
  std::uint64_t decisions_ = 0;
};

// requests.csv, written as records arrive.
class RequestLog {
 public:
  explicit RequestLog(const std::string& path);  // empty path: no log
  ~RequestLog();
  void write(const RequestRecord& r);
  void close();

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace tiersim
