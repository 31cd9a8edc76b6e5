#include "model/metrics.hpp"
#include "model/summary.hpp"
#include "io/csv.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

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
  bytes_up_ += r.bytes_up;
  decisions_ += static_cast<std::uint64_t>(r.decisions);
  cost_units_ += r.cost_units;
  last_finish_s_ = std::max(last_finish_s_, r.finish_s);
}

nlohmann::ordered_json Metrics::summary() const {
  using namespace summary;
  if (requests_ == 0) throw std::logic_error("no requests were simulated");
  const double n = static_cast<double>(requests_);
  nlohmann::ordered_json s;
  put(s, summary::requests, requests_);
  put(s, accuracy, static_cast<double>(correct_) / n);
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
  const double mobile = compute_j_[0] / n, radio = radio_j_ / n, edge = compute_j_[1] / n, cloud = compute_j_[2] / n;
  put(s, energy_mobile_compute, mobile);
  put(s, energy_mobile_radio, radio);
  put(s, energy_edge, edge);
  put(s, energy_cloud, cloud);
  put(s, energy_total, mobile + radio + edge + cloud);
  const double compute = mobile + edge + cloud;
  put(s, fp32_reference, fp32_reference_j_);
  put(s, fp32_reduction, compute > 0 ? fp32_reference_j_ / compute : 0.0);
  const auto& host = has_override_ ? host_busy_override_ : host_busy_j_;
  put(s, host_mobile, host[0] / n);
  put(s, host_edge, host[1] / n);
  put(s, host_cloud, host[2] / n);
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

RequestLog::RequestLog(const std::string& path) : path_(path) {
  if (path.empty()) return;
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error(fmt::format("{}: cannot create file", path));
  fmt::print(file_,
             "request,device,sample,arrival_s,finish_s,latency_s,exit,exit_tier,correct,"
             "mobile_compute_j,mobile_radio_j,edge_j,cloud_j,bytes_up,outcome,edge_host,cloud_host,queue_s\n");
}

RequestLog::~RequestLog() { close(); }

void RequestLog::write(const RequestRecord& r) {
  if (!file_) return;
  static constexpr const char* kOutcomes[] = {"served", "dropped_answered_on_device", "lost"};
  auto host = [&](Tier t) -> std::string {
    const int s = r.server[index(t)];
    if (s < 0 || static_cast<std::size_t>(s) >= server_names_.size()) return {};
    return csv_field(server_names_[static_cast<std::size_t>(s)]);
  };
  fmt::print(file_, "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.request, r.device, r.sample,
             r.arrival_s, r.finish_s, r.latency_s(), r.exit, tier_name(r.exit_tier), r.correct ? 1 : 0,
             r.compute_j[0], r.radio_j, r.compute_j[1], r.compute_j[2], r.bytes_up,
             kOutcomes[static_cast<int>(r.outcome)], host(Tier::Edge), host(Tier::Cloud), r.queue_s);
}

void RequestLog::close() {
  if (file_ && std::fclose(file_) != 0) {
    file_ = nullptr;
    throw std::runtime_error(fmt::format("{}: write failed (disk full?)", path_));
  }
  file_ = nullptr;
}

}  // namespace tiersim
