#pragma once
// The system's state at a decision, as an adaptive policy sees it (read-only). The engine
// provides it through a StateProbe: the SimGrid engine from its queues at the decision's
// simulated instant, the analytic engine as the zero-load state (no queue, no backlog; the
// summary then says `state: zero-load`). Estimates (upload, compute) are the closed forms both
// engines share: what a lone flow or a lone request would take. See policies/README.md.
#include <array>
#include <cstdint>
#include <limits>

#include "core/tier.hpp"

namespace tiersim {

struct DecisionContext;

// One tier as seen from a request: the server it is on or would use there (the mobile tier:
// its own device).
struct TierState {
  bool present = false;       // the tier has a server the request could use (mobile: always)
  long long queued = 0;       // requests waiting for a worker there (mobile: the device's own
                              // backlog: its requests that arrived and wait behind this one)
  long long in_service = 0;   // requests being served there (this one included when it is there)
  int workers = 1;            // requests served at once (mobile: 1)
  long long capacity = -1;    // requests that may wait (-1: unbounded)
  // Seconds to send what the request would send now (the activation after its last stage, or
  // the raw input) from its tier to this one, as a lone flow on that route; 0 for its own tier,
  // NaN for a tier below it or one it cannot reach.
  // The SimGrid engine shares the route's links fairly among the transfers in flight on them
  // (what its flow model gives a new flow: bandwidth / (flows + 1) on each link).
  double upload_s = std::numeric_limits<double>::quiet_NaN();
  // Transfers in flight on the busiest link of that route (0 for its own tier; always 0 at zero
  // load): the shared medium's "queue" (e.g. a WiFi access point's uplink).
  long long flows = 0;
  // Seconds this tier's host needs for its share of the rest of the inference, one request
  // alone: the stages it runs from the request's next stage on (its own tier: from the next
  // stage to the tier's last), or its full model; 0 when it runs none of them.
  double rest_compute_s = 0;
  bool finishes = false;  // its share ends the inference (it runs the final stage, or a full model)
  long long load() const { return queued + in_service; }
};

struct SystemState {
  bool zero_load = true;  // the engine has no load (analytic): queues and backlog are always 0
  double now_s = 0;       // simulated instant of the decision
  double arrival_s = 0;   // when the request arrived at its device
  double deadline_s = std::numeric_limits<double>::infinity();  // workload.deadline_s (inf: none)
  Tier tier = Tier::Mobile;  // where the request is
  std::array<TierState, kTiers> tiers{};
  // What is left of the device's battery (RunSetup::battery_left); NaN: the device has no battery.
  double battery_j = std::numeric_limits<double>::quiet_NaN();

  double elapsed_s() const { return now_s - arrival_s; }
  const TierState& at(Tier t) const { return tiers[index(t)]; }
  const TierState& here() const { return at(tier); }
};

// Implemented by each engine: the state of the system for the decision `ctx` of one request.
class StateProbe {
 public:
  virtual ~StateProbe() = default;
  virtual SystemState state(const DecisionContext& ctx) const = 0;
};

}  // namespace tiersim
