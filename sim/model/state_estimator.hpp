#pragma once
// The closed-form parts of a SystemState that both engines share: for each tier, what the
// request would take to get there (a lone flow of what it would send now) and to finish
// there (the rest of the model on that tier's host, one request alone). Engines fill the
// queues; this fills the estimates, so the two engines estimate alike.
#include <array>
#include <functional>
#include <utility>

#include "io/platform.hpp"
#include "io/profile.hpp"
#include "model/policy.hpp"
#include "network/network_model.hpp"

namespace tiersim {

class StateEstimator {
 public:
  StateEstimator(const ModelProfile& profile, const Platform& platform, const NetworkModelInfo& network,
                 double deadline_s)
      : profile_(profile), platform_(platform), network_(network), deadline_s_(deadline_s) {}

  // Transfers in flight on a link (the engine counts them; none without load).
  using FlowsOn = std::function<long long(const simgrid::s4u::Link*)>;

  // A state for decision `ctx` at `now_s` of a request that arrived at `arrival_s`, with
  // `hosts[t]` the host it is on or would use on tier t (nullptr: the tier has none). Uploads
  // share each link with `flows_on`'s transfers (null: a lone flow). Queues are left at zero
  // for the engine to fill; zero_load is false.
  SystemState estimate(const DecisionContext& ctx, double arrival_s, double now_s,
                       const std::array<const HostInfo*, kTiers>& hosts, const FlowsOn* flows_on = nullptr) const;

 private:
  std::pair<double, bool> rest_compute_s(const DecisionContext& ctx, Tier tier, const HostInfo& host) const;

  const ModelProfile& profile_;
  const Platform& platform_;
  const NetworkModelInfo& network_;
  double deadline_s_;
};

}  // namespace tiersim
