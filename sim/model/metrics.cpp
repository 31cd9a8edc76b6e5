#include "model/metrics.hpp"
#include "core/stats.hpp"
#include "model/summary.hpp"
#include "io/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace tiersim {

namespace {
constexpr double kHistMin = 1e-9, kHistMax = 1e7, kHistRatio = 1.001;
const double kLogRatio = std::log(kHistRatio);
}  // namespace

LatencyHistogram::LatencyHistogram()
    : buckets_(static_cast<std::size_t>(std::log(kHistMax / kHistMin) / kLogRatio) + 2, 0) {}

void LatencyHistogram::add(double s) {
  if (count_ == 0 || s < min_) min_ = s;
  if (count_ == 0 || s > max_) max_ = s;
  ++count_;
  if (s < kHistMin) {
    ++below_;
    return;
  }
  auto b = static_cast<std::size_t>(std::log(s / kHistMin) / kLogRatio);
  ++buckets_[std::min(b, buckets_.size() - 1)];
}

std::vector<double> LatencyHistogram::quantiles(const std::vector<double>& qs) const {
  std::vector<double> out;
  if (count_ == 0) return std::vector<double>(qs.size(), 0.0);
  std::uint64_t seen = below_;
  std::size_t b = 0;
  for (double q : qs) {
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = std::max<std::uint64_t>(rank, 1);
    if (below_ >= rank) {
      out.push_back(min_);
      continue;
    }
    while (b < buckets_.size() && seen + buckets_[b] < rank) seen += buckets_[b++];
    if (b == buckets_.size()) {
      out.push_back(max_);
      continue;
    }
    const double mid = kHistMin * std::exp((static_cast<double>(b) + 0.5) * kLogRatio);
    out.push_back(std::clamp(mid, min_, max_));
  }
  return out;
}

Metrics::Metrics(int exits, std::vector<std::string> class_names, double fp32_reference_j)
    : exits_by_index_(static_cast<std::size_t>(exits), 0),
      class_names_(std::move(class_names)),
      exits_by_class_(class_names_.size()),
      correct_by_class_(class_names_.size(), 0),
      fp32_reference_j_(fp32_reference_j),
      lost_by_class_(class_names_.size(), 0) {}

void Metrics::add(const RequestRecord& r) {
  ++requests_;
  dropped_ += r.dropped ? 1 : 0;
  lost_to_failures_ += r.lost_to_failure ? 1 : 0;
  const bool answered = r.outcome != Outcome::Lost;
  count_sample(r.sample, answered && r.correct);
  if (deadline_s_ > 0 && (!answered || r.latency_s() > deadline_s_)) ++slo_violations_;
  if (!answered) {
    ++lost_;
    ++lost_by_class_.at(static_cast<std::size_t>(r.label));
  } else {
    dropped_on_device_ += r.outcome == Outcome::DroppedAnsweredOnDevice ? 1 : 0;
    ++answered_;
    correct_ += r.correct ? 1 : 0;
    ++exits_by_tier_[index(r.exit_tier)];
    ++exits_by_index_.at(static_cast<std::size_t>(r.exit));
    ++exits_by_class_.at(static_cast<std::size_t>(r.label))[index(r.exit_tier)];
    correct_by_class_[static_cast<std::size_t>(r.label)] += r.correct ? 1 : 0;
    latency_sum_ += r.latency_s();
    latency_.add(r.latency_s());
  }
  for (int t = 0; t < kTiers; ++t) {
    compute_j_[t] += r.compute_j[t];
    host_busy_j_[t] += r.host_busy_j[t];
  }
  radio_j_ += r.radio_j;
  radio_tail_j_ += r.radio_tail_j;
  if (!device_j_.empty()) {
    const auto d = static_cast<std::size_t>(r.device);
    device_j_[d] += r.device_energy_j(energy_.host_power);
    ++device_requests_[d];
  }
  bytes_up_ += r.bytes_up;
  decisions_ += static_cast<std::uint64_t>(r.decisions);
  cost_units_ += r.cost_units;
  last_finish_s_ = std::max(last_finish_s_, r.finish_s);
}

// Samples are reused round-robin when a run has more requests than the trace has samples, so
// accuracy over requests weighs each sample by how often it was drawn: accuracy_unique counts
// each once, and its n is what the Wilson interval needs.
void Metrics::count_sample(int sample, bool correct) {
  const auto s = static_cast<std::size_t>(sample);
  if (s >= first_outcome_by_sample_.size()) first_outcome_by_sample_.resize(s + 1, 0);
  if (first_outcome_by_sample_[s] != 0) return;
  first_outcome_by_sample_[s] = correct ? 2 : 1;
  ++samples_unique_;
  correct_unique_ += correct ? 1 : 0;
}

nlohmann::ordered_json Metrics::summary() const {
  using namespace summary;
  if (requests_ == 0) throw std::logic_error("no requests were simulated");
  const double n = static_cast<double>(requests_);
  nlohmann::ordered_json s;
  put(s, summary::requests, requests_);
  put(s, accuracy, static_cast<double>(correct_) / n);
  put(s, accuracy_unique, static_cast<double>(correct_unique_) / static_cast<double>(samples_unique_));
  put(s, samples_unique, samples_unique_);
  const Interval wilson = wilson_interval(correct_unique_, samples_unique_);
  put(s, accuracy_unique_low, wilson.low);
  put(s, accuracy_unique_high, wilson.high);
  const std::array<const SummaryField*, kTiers> exit_fields{&exit_mobile, &exit_edge, &exit_cloud};
  for (int t = 0; t < kTiers; ++t) put(s, *exit_fields[t], static_cast<double>(exits_by_tier_[t]) / n);
  std::vector<double> by_exit;
  for (auto c : exits_by_index_) by_exit.push_back(static_cast<double>(c) / n);
  put(s, exit_by_index, by_exit);
  // Per true class: where its requests ended and how often they were right (MEANet's picture).
  const std::array<const SummaryField*, kTiers> class_exit_fields{&class_exit_mobile, &class_exit_edge,
                                                                  &class_exit_cloud};
  for (std::size_t k = 0; k < class_names_.size(); ++k) {
    const auto& tiers = exits_by_class_[k];
    const double count = static_cast<double>(tiers[0] + tiers[1] + tiers[2] + lost_by_class_[k]);
    if (count == 0) continue;
    put(s, class_requests, static_cast<std::uint64_t>(count), class_names_[k]);
    put(s, class_accuracy, static_cast<double>(correct_by_class_[k]) / count, class_names_[k]);
    for (int t = 0; t < kTiers; ++t)
      put(s, *class_exit_fields[t], static_cast<double>(tiers[t]) / count, class_names_[k]);
  }
  // The whole distribution at 1 % steps (0 = fastest, 100 = slowest), for CDF figures without
  // per-request logs; within the histogram's 0.1 % bucket width. p50, p95, p99 are three of them.
  std::vector<double> steps;
  for (int p = 1; p < 100; ++p) steps.push_back(p / 100.0);
  std::vector<double> percentiles = latency_.quantiles(steps);
  percentiles.insert(percentiles.begin(), latency_.min());
  percentiles.push_back(latency_.max());
  // Latencies are over the requests that were answered (a lost request has none).
  put(s, latency_mean, answered_ > 0 ? latency_sum_ / static_cast<double>(answered_) : 0.0);
  put(s, latency_p50, percentiles[50]);
  put(s, latency_p95, percentiles[95]);
  put(s, latency_p99, percentiles[99]);
  put(s, latency_max, latency_.max());
  put(s, latency_percentiles, percentiles);
  put_energy(s, n);
  if (network_j_ >= 0) put(s, network_energy, network_j_ / n);
  if (report_cost_) put(s, cost_units, cost_units_ / n);
  put(s, offloaded_bytes, bytes_up_ / n);
  put(s, policy_decisions, decisions_);
  put(s, simulated_time, last_finish_s_);
  put(s, dropped_fraction, static_cast<double>(dropped_) / n);
  put(s, dropped_on_device, static_cast<double>(dropped_on_device_) / n);
  put(s, lost_fraction, static_cast<double>(lost_) / n);
  if (report_failures_) {
    put(s, lost_to_failures, lost_to_failures_);
    put(s, resent_after_failures, resent_);
  }
  if (deadline_s_ > 0) {
    put(s, slo_deadline, deadline_s_);
    put(s, slo_violation, static_cast<double>(slo_violations_) / n);
  }
  s["servers"] = nlohmann::ordered_json::object();
  for (const auto& server : servers_) {
    const auto q = server.queue.quantiles({0.95});
    put(s, server_tier, tier_name(server.tier), server.name);
    put(s, server_workers, server.workers, server.name);
    put(s, server_requests, server.requests, server.name);
    put(s, server_utilisation,
        last_finish_s_ > 0 ? server.busy_worker_s / (server.workers * last_finish_s_) : 0.0, server.name);
    put(s, server_mean_queue, server.passes ? server.queue_sum_s / static_cast<double>(server.passes) : 0.0,
        server.name);
    put(s, server_p95_queue, server.passes ? q[0] : 0.0, server.name);
    put(s, server_max_queue, server.max_queue, server.name);
    put(s, server_dropped, server.dropped, server.name);
    put(s, server_mean_batch,
        server.batches ? static_cast<double>(server.passes) / static_cast<double>(server.batches) : 1.0, server.name);
  }
  if (!selection_note_.empty()) put(s, summary::selection_note, selection_note_);
  if (!state_note_.empty()) put(s, summary::state, state_note_);
  return s;
}

void Metrics::set_energy_rules(EnergyRules rules) {
  energy_ = std::move(rules);
  if (!energy_.battery_j.empty()) {
    device_j_.assign(energy_.battery_j.size(), 0.0);
    device_requests_.assign(energy_.battery_j.size(), 0);
  }
}

// energy_j_per_inference (the headline, as the rules make it), the MAC and host-power figures
// it may be made of, the energy model, and the batteries.
void Metrics::put_energy(nlohmann::ordered_json& s, double n) const {
  using namespace summary;
  const double t = last_finish_s_;  // the run: idle power is drawn from 0 to the last answer
  const auto& host = has_override_ ? host_busy_override_ : host_busy_j_;
  const auto& compute = energy_.host_power ? host : compute_j_;
  // Devices' idle energy: host idle all run long, radio idle whenever the radio is not up.
  std::vector<double> device_idle_j(energy_.device_idle_w.size(), 0.0);
  double device_idle_sum = 0;
  for (std::size_t d = 0; d < device_idle_j.size(); ++d) {
    const double up = d < radio_up_s_.size() ? std::min(radio_up_s_[d], t) : 0.0;
    device_idle_j[d] = energy_.device_idle_w[d] * t - energy_.radio_idle_w[d] * up;
    device_idle_sum += device_idle_j[d];
  }
  const double mobile_idle = energy_.device_idle ? device_idle_sum / n : 0.0;
  const double edge_idle = energy_.server_idle ? energy_.host_idle_w[1] * t / n : 0.0;
  const double cloud_idle = energy_.server_idle ? energy_.host_idle_w[2] * t / n : 0.0;
  const double parts[] = {compute[0] / n, radio_j_ / n, radio_tail_j_ / n, mobile_idle,
                          compute[1] / n, compute[2] / n, edge_idle, cloud_idle};
  put(s, energy_mobile_compute, parts[0]);
  put(s, energy_mobile_radio, parts[1]);
  put(s, energy_mobile_radio_tail, parts[2]);
  put(s, energy_mobile_idle, parts[3]);
  put(s, energy_edge, parts[4]);
  put(s, energy_cloud, parts[5]);
  put(s, energy_edge_idle, parts[6]);
  put(s, energy_cloud_idle, parts[7]);
  double total = 0;
  for (double part : parts) total += part;
  put(s, energy_total, total);
  put(s, energy_model_radio, energy_.radio);
  put(s, energy_model_compute, std::string(energy_.host_power ? "host_power" : "macs"));
  put(s, energy_model_server_idle, std::string(energy_.server_idle ? "shared" : "excluded"));
  put(s, energy_model_device_idle, std::string(energy_.device_idle ? "shared" : "excluded"));
  put(s, mac_mobile, compute_j_[0] / n);
  put(s, mac_edge, compute_j_[1] / n);
  put(s, mac_cloud, compute_j_[2] / n);
  const double mac_compute = (compute_j_[0] + compute_j_[1] + compute_j_[2]) / n;
  put(s, fp32_reference, fp32_reference_j_);
  put(s, fp32_reduction, mac_compute > 0 ? fp32_reference_j_ / mac_compute : 0.0);
  put(s, host_mobile, host[0] / n);
  put(s, host_edge, host[1] / n);
  put(s, host_cloud, host[2] / n);
  put(s, host_mobile_idle, energy_.host_idle_w[0] * t / n);
  put(s, host_edge_idle, energy_.host_idle_w[1] * t / n);
  put(s, host_cloud_idle, energy_.host_idle_w[2] * t / n);
  if (energy_.battery_j.empty()) return;
  // Per device: the share of its battery 1 000 of its inferences drain, and the hours its battery
  // lasts at the run's pace; means over the devices that sent requests.
  double per_1000 = 0, hours = 0, capacity = 0, fewest_hours = std::numeric_limits<double>::infinity();
  std::size_t counted = 0;
  for (std::size_t d = 0; d < device_j_.size(); ++d) {
    if (device_requests_[d] == 0) continue;
    const double drained = device_j_[d] + (energy_.device_idle ? device_idle_j[d] : 0.0);
    per_1000 += drained / static_cast<double>(device_requests_[d]) * 1000.0 / energy_.battery_j[d];
    const double h = drained > 0 && t > 0 ? energy_.battery_j[d] / (drained / t) / 3600.0 : std::numeric_limits<double>::infinity();
    hours += h;
    fewest_hours = std::min(fewest_hours, h);
    capacity += energy_.battery_j[d];
    ++counted;
  }
  if (counted == 0) return;
  const double c = static_cast<double>(counted);
  put(s, battery_capacity, capacity / c);
  put(s, battery_per_1000, per_1000 / c);
  put(s, battery_hours, std::isfinite(hours) ? hours / c : -1.0);
  put(s, battery_hours_min, std::isfinite(fewest_hours) ? fewest_hours : -1.0);
}

RequestLog::RequestLog(const std::string& path) : path_(path) {
  if (path.empty()) return;
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error(fmt::format("{}: cannot create file", path));
  fmt::print(file_,
             "request,device,sample,arrival_s,finish_s,latency_s,exit,exit_tier,correct,"
             "mobile_compute_j,mobile_radio_j,edge_j,cloud_j,bytes_up,outcome,edge_host,cloud_host,queue_s,mobile_radio_tail_j\n");
}

RequestLog::~RequestLog() { close(); }

void RequestLog::write(const RequestRecord& r) {
  if (sink_) sink_(r);
  if (!file_) return;
  auto host = [&](Tier t) -> std::string {
    const int s = r.server[index(t)];
    if (s < 0 || static_cast<std::size_t>(s) >= server_names_.size()) return {};
    return csv_field(server_names_[static_cast<std::size_t>(s)]);
  };
  try {
    fmt::print(file_, "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.request, r.device, r.sample,
               r.arrival_s, r.finish_s, r.latency_s(), r.exit, tier_name(r.exit_tier), r.correct ? 1 : 0,
               r.compute_j[0], r.radio_j, r.compute_j[1], r.compute_j[2], r.bytes_up,
               outcome_name(r.outcome), host(Tier::Edge), host(Tier::Cloud), r.queue_s, r.radio_tail_j);
  } catch (const std::system_error& e) {  // fmt's "cannot write to file", without the file
    throw std::runtime_error(fmt::format("{}: write failed ({})", path_, e.code().message()));
  }
}

void RequestLog::close() {
  if (file_ && std::fclose(file_) != 0) {
    file_ = nullptr;
    throw std::runtime_error(fmt::format("{}: write failed (disk full?)", path_));
  }
  file_ = nullptr;
}

}  // namespace tiersim
