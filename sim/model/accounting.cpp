#include "model/accounting.hpp"

namespace tiersim {

void Accounting::charge_compute(RequestRecord& rec, const HostInfo& host, const Step& step, double seconds) const {
  rec.compute_j[index(step.tier)] += config_.mac_energy.joules(step.macs, step.bits);
  rec.cost_units += config_.cost.lambda[index(step.tier)] * step.layers;
  rec.host_busy_j[index(step.tier)] += host.busy_core_w() * seconds;
}

void Accounting::charge_transfer(RequestRecord& rec, const Step& step, double radio_j) const {
  rec.radio_j += radio_j;
  if (index(step.to) > index(step.tier)) {
    rec.bytes_up += step.bytes;
    rec.cost_units += config_.cost.offload;
  }
}

void Accounting::finish_record(RequestRecord& rec, const Step& done) const {
  rec.exit = done.exit;
  rec.exit_tier = done.tier;
  rec.label = trace_.label(rec.sample);
  rec.correct = done.prediction == rec.label;
}

void Accounting::drop_record(RequestRecord& rec, const Walk& walk, bool lost_to_failure) const {
  if (const auto answer = walk.answer_on_device(); answer && !lost_to_failure) {
    finish_record(rec, *answer);
    rec.outcome = Outcome::DroppedAnsweredOnDevice;
  } else {
    rec.exit = -1;
    rec.label = trace_.label(rec.sample);
    rec.correct = false;
    rec.outcome = Outcome::Lost;
  }
  rec.dropped = !lost_to_failure;
  rec.lost_to_failure = lost_to_failure;
}

RequestOutcome Accounting::outcome(const RequestRecord& rec) const {
  RequestOutcome o;
  o.request = rec.request;
  o.device = rec.device;
  o.sample = rec.sample;
  o.exit = rec.exit;
  o.exit_tier = rec.exit_tier;
  o.confidence = rec.exit >= 0 ? trace_.confidence(rec.sample, rec.exit) : 0.0;
  o.correct = rec.correct;
  o.dropped = rec.dropped;
  o.lost = rec.outcome == Outcome::Lost;
  o.arrival_s = rec.arrival_s;
  o.finish_s = rec.finish_s;
  o.latency_s = rec.latency_s();
  const bool host_power = config_.compute == ComputeEnergy::HostPower;
  o.energy_j = rec.device_energy_j(host_power) + rec.compute_energy_j(host_power, 1) + rec.compute_energy_j(host_power, 2);
  return o;
}

Metrics Accounting::new_metrics() const {
  double fp32_reference_j = 0;  // the all-full-precision network: every stage at 32 bits
  for (const auto& stage : profile_.stages) fp32_reference_j += config_.mac_energy.joules(stage.macs, 32);
  Metrics metrics(trace_.exits(), trace_.meta.class_names, fp32_reference_j);
  if (config_.cost.enabled) metrics.report_cost_units();
  return metrics;
}

}  // namespace tiersim
