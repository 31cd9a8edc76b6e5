#pragma once
// Per-request records and the metrics made from them. Every metric is computed here, from
// the stream of records that either engine emits: add a metric in Metrics and both engines
// report it. Memory does not grow with the number of requests (records stream to disk).
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/tier.hpp"

namespace tiersim {

// How a request ended: answered as the policy's walk decided; dropped by a server (full queue,
// or past its deadline at dequeue) and answered by the deepest exit already computed on the
// device; or never answered (dropped with no exit on the device, or lost to a failure).
enum class Outcome : std::uint8_t { Served, DroppedAnsweredOnDevice, Lost };
// As requests.csv's `outcome` column writes it.
inline const char* outcome_name(Outcome o) {
  static constexpr const char* kNames[] = {"served", "dropped_answered_on_device", "lost"};
  return kNames[static_cast<int>(o)];
}

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
  double radio_j = 0;                          // mobile radio: promotions and transfers (radio model)
  double radio_tail_j = 0;                     // mobile radio: tails charged to this request (radio/ledger.hpp)
  std::array<double, kTiers> host_busy_j{};    // host power above idle while computing, by tier
  double bytes_up = 0;                         // bytes sent to a higher tier (all hops)
  int decisions = 0;                           // times the policy was consulted
  double cost_units = 0;                       // lambda x layers + o x offloads (when configured)
  Outcome outcome = Outcome::Served;
  bool dropped = false;                        // a server dropped it (Lost or answered on the device)
  bool lost_to_failure = false;
  std::array<int, kTiers> server{-1, -1, -1};  // index (Topology::servers()) of the server used per tier
  double queue_s = 0;                          // time spent waiting for a worker, all servers
  double latency_s() const { return finish_s - arrival_s; }
  // Compute energy on tier t as the headline counts it: host power above idle, or MACs.
  double compute_energy_j(bool host_power, int t) const { return host_power ? host_busy_j[t] : compute_j[t]; }
  // What the request drew from its device's battery: its compute there, radio and tails.
  double device_energy_j(bool host_power) const { return compute_energy_j(host_power, 0) + radio_j + radio_tail_j; }
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

// What a server did over a run (both engines fill it; the analytic engine never queues).
struct ServerStats {
  std::string name;
  Tier tier = Tier::Edge;
  int workers = 1;
  std::uint64_t requests = 0;  // requests that reached it (and were not dropped on arrival)
  std::uint64_t passes = 0;    // times a worker took a request: once per visit, or once per stage when batching
  std::uint64_t dropped = 0;
  std::uint64_t batches = 0;   // services (a batch, or one request alone)
  double busy_worker_s = 0;    // sum over workers of the time they served
  double queue_sum_s = 0;      // sum of the waits of the passes
  LatencyHistogram queue;      // their distribution
  long long max_queue = 0;     // most requests waiting at once
  void served(double wait_s) {
    ++passes;
    queue_sum_s += wait_s;
    queue.add(wait_s);
  }
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
  // How the headline energy is made (accounting.hpp's AccountingConfig, resolved) and the power
  // it needs: idle watts of each tier's hosts (devices, servers), the devices' radio idle watts.
  struct EnergyRules {
    bool host_power = false;   // compute energy from host power states (else MACs)
    bool server_idle = false;  // servers' idle power over the run, shared over its inferences
    bool device_idle = false;  // devices' idle power (host and radio) likewise
    std::string radio;         // radio model(s) of the devices
    std::array<double, kTiers> host_idle_w{};
    std::vector<double> device_idle_w;  // per device: host idle + radio idle
    std::vector<double> radio_idle_w;   // per device: radio idle
    std::vector<double> battery_j;      // per device (empty: no batteries)
  };
  void set_energy_rules(EnergyRules rules);
  // Per device: the time its radio was not idle (transfers, tails), from the engine at the end.
  void set_radio_up_seconds(std::vector<double> seconds) { radio_up_s_ = std::move(seconds); }
  // Per-server statistics and the run's simulated duration they are relative to (utilisation).
  void set_servers(std::vector<ServerStats> servers) { servers_ = std::move(servers); }
  void set_deadline(double seconds) { deadline_s_ = seconds; }
  void set_selection_note(std::string note) { selection_note_ = std::move(note); }
  // How the engine gave an adaptive policy the system's state ("simulated" or "zero-load").
  void set_state_note(std::string note) { state_note_ = std::move(note); }
  // Configs with failures report how many requests were lost to them and sent again.
  void report_failures(std::uint64_t resent) {
    report_failures_ = true;
    resent_ = resent;
  }
  nlohmann::ordered_json summary() const;
  std::uint64_t requests() const { return requests_; }
  // Device energy (RequestRecord::device_energy_j) of device d's requests added so far; kept
  // only when the devices have batteries (else 0).
  double device_energy_j(int d) const { return device_j_.empty() ? 0.0 : device_j_[static_cast<std::size_t>(d)]; }

 private:
  std::uint64_t requests_ = 0, correct_ = 0;
  // Per sample (trace row): 0 not served yet, else 1 + whether its first request was right.
  std::vector<std::uint8_t> first_outcome_by_sample_;
  std::uint64_t samples_unique_ = 0, correct_unique_ = 0;
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
  double radio_j_ = 0, radio_tail_j_ = 0, bytes_up_ = 0, last_finish_s_ = 0;
  EnergyRules energy_;
  std::vector<double> radio_up_s_;
  std::vector<double> device_j_;               // per device: its records' device energy (battery)
  std::vector<std::uint64_t> device_requests_;
  void put_energy(nlohmann::ordered_json& s, double n) const;
  void count_sample(int sample, bool correct);
  std::uint64_t decisions_ = 0;
  std::uint64_t answered_ = 0, dropped_ = 0, dropped_on_device_ = 0, lost_ = 0, lost_to_failures_ = 0;
  std::uint64_t slo_violations_ = 0;
  std::vector<std::uint64_t> lost_by_class_;
  std::vector<ServerStats> servers_;
  double deadline_s_ = 0;  // 0: no deadline
  std::string selection_note_;
  std::string state_note_;
  bool report_failures_ = false;
  std::uint64_t resent_ = 0;
};

// requests.csv, written as records arrive.
class RequestLog {
 public:
  explicit RequestLog(const std::string& path);  // empty path: no log
  RequestLog(const RequestLog&) = delete;  // owns its file
  RequestLog& operator=(const RequestLog&) = delete;
  ~RequestLog();
  // Host names for the log's server columns, indexed as RequestRecord::server.
  void set_server_names(std::vector<std::string> names) { server_names_ = std::move(names); }
  // Also hands each record to `sink` (the Python module streams them to a DataFrame).
  void set_sink(std::function<void(const RequestRecord&)> sink) { sink_ = std::move(sink); }
  void write(const RequestRecord& r);
  void close();

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  std::vector<std::string> server_names_;
  std::function<void(const RequestRecord&)> sink_;
};

}  // namespace tiersim
