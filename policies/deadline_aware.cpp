// Deadline-aware early exit: at each non-final exit, a request exits when going on is
// predicted to miss its deadline; otherwise the base rule decides (exit when the confidence,
// max softmax, reaches `threshold`). The prediction reads the system's state (the engine's
// queues at this instant) and the closed-form estimates both engines share:
//   elapsed + upload to the next tier + (wait + share of the rest) per tier on the way,
// summed over the tiers the rest would run on (from here, or from the tier it would be offloaded
// to) until one finishes; the wait at a server is (queued + in service - workers + 1) / workers
// requests' worth of its share when every worker is busy (a request ahead takes about as long as
// this one), else 0. Transfers after the first upload, and the reply, are left out. In the spirit of deadline-driven early exit, e.g. Edgent
// (Li et al., "Edge AI: On-Demand Accelerating Deep Neural Network Inference via Edge
// Computing", IEEE TWC 2020), which picks the exit that meets a latency requirement.
#include "adaptive.hpp"

namespace tiersim {
namespace {

class DeadlineAware : public Policy {
 public:
  DeadlineAware(double deadline_s, double threshold, adaptive::Routing routing)
      : deadline_s_(deadline_s), threshold_(threshold), routing_(routing) {}

  Decision at_input(const DecisionContext&) override { return routing_.at_input(); }

  Decision at_exit(const DecisionContext& c) override {
    const SystemState state = c.state();
    if (state.elapsed_s() + predicted_rest_s(state, c.tier) > deadline_s_) return Decision::exit();
    return c.trace.confidence(c.sample, c.exit) >= threshold_ ? Decision::exit() : routing_.go_on(c.tier);
  }

  PolicyNeeds needs() const override { return {true, false}; }

 private:
  // Seconds until the answer if the request goes on from `here`: the upload to the first tier
  // above it on the way, then each tier's wait and share of the rest until one finishes
  // (transfers between later tiers are left out); infinite when no tier can finish.
  double predicted_rest_s(const SystemState& s, Tier here) const {
    const Decision next = routing_.go_on(here);
    const int from = next.action == Action::Offload ? index(next.target) : index(here);
    double total = 0;
    bool uploaded = from == index(here);
    for (int t = from; t < kTiers; ++t) {
      const TierState& ts = s.tiers[t];
      if (!ts.present || (ts.rest_compute_s == 0 && !ts.finishes)) continue;
      if (!uploaded) {
        if (std::isnan(ts.upload_s)) continue;
        total += ts.upload_s;
        uploaded = true;
      }
      const long long busy_ahead = t == index(here) ? 0 : ts.load() - ts.workers + 1;
      if (busy_ahead > 0) total += static_cast<double>(busy_ahead) / ts.workers * ts.rest_compute_s;
      total += ts.rest_compute_s;
      if (ts.finishes) return total;
    }
    return std::numeric_limits<double>::infinity();
  }

  double deadline_s_, threshold_;
  adaptive::Routing routing_;
};

const PolicyRegistrar registrar{
    "deadline_aware", "exit when going on would miss deadline_s (from queues and estimates); else threshold",
    [](JsonReader& p) {
      const double deadline = p.at("deadline_s").number_in(1e-9, 1e9);
      const double threshold = p.at("threshold").number_in(0, 1);
      auto routing = adaptive::Routing::read(p);
      return std::make_unique<DeadlineAware>(deadline, threshold, routing);
    },
    Tunable{}, {{"deadline_s", 0.1}, {"threshold", 0.9}}};

}  // namespace
}  // namespace tiersim
