#include "model/state_estimator.hpp"

#include <algorithm>
#include <tuple>

namespace tiersim {

SystemState StateEstimator::estimate(const DecisionContext& ctx, double arrival_s, double now_s,
                                     const std::array<const HostInfo*, kTiers>& hosts, const FlowsOn* flows_on) const {
  SystemState s;
  s.zero_load = false;
  s.now_s = now_s;
  s.arrival_s = arrival_s;
  if (deadline_s_ > 0) s.deadline_s = deadline_s_;
  s.tier = ctx.tier;
  const HostInfo* here = hosts[index(ctx.tier)];
  // What leaves the tier if the request moves now: the activation after the stage that just
  // ended (the raw input at the input).
  const double bytes = profile_.bytes_after(ctx.stage);
  for (int t = 0; t < kTiers; ++t) {
    TierState& ts = s.tiers[t];
    const HostInfo* host = hosts[t];
    ts.present = host != nullptr;
    if (!host) continue;
    if (t == index(ctx.tier))
      ts.upload_s = 0;
    else if (t > index(ctx.tier) && here)
      ts.upload_s = network_.transfer_time(platform_.shared_route(*here, *host, flows_on, &ts.flows), bytes);
    std::tie(ts.rest_compute_s, ts.finishes) = rest_compute_s(ctx, Tier(t), *host);
  }
  return s;
}

// Tier `tier`'s share of the rest of the inference at its host's speed: the stages it runs
// from the one after ctx.stage on (a tier above with a full model: that model, from the raw
// input), and whether that share ends the inference.
std::pair<double, bool> StateEstimator::rest_compute_s(const DecisionContext& ctx, Tier tier, const HostInfo& host) const {
  const auto& tm = profile_.tiers[index(tier)];
  if (index(tier) < index(ctx.tier)) return {0.0, false};
  if (tier != ctx.tier && tm.full_model) return {tm.full_model->macs / host.speed, true};
  const int next = ctx.stage + 1, last = profile_.stage_count() - 1;
  if (next > last) return {0.0, true};
  if (tm.first < 0 || tm.last < next) return {0.0, false};
  double macs = 0;
  for (int stage = std::max(next, tm.first); stage <= tm.last; ++stage) macs += profile_.stages[stage].macs;
  return {macs / host.speed, tm.last == last};
}

}  // namespace tiersim
