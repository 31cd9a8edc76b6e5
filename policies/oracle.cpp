// Oracle: knows every exit's prediction and the true label. It stops at the first exit along
// the stages that is right (the cheapest, as costs only grow with depth); if none is but a
// tier's separate full model is right, it sends the raw input straight there; if nothing is
// right, it runs to the final exit. An upper bound on accuracy for any policy on this trace.
#include "model/policy.hpp"

namespace tiersim {
namespace {

class Oracle : public Policy {
 public:
  Decision at_input(const DecisionContext& c) override {
    for (const auto& stage : c.profile.stages)
      if (stage.exit >= 0 && right(c, stage.exit)) return Decision::next();
    for (int t = 0; t < kTiers; ++t) {
      const auto& full = c.profile.tiers[t].full_model;
      if (full && right(c, full->exit)) return Decision::offload(static_cast<Tier>(t));
    }
    return Decision::next();
  }

  Decision at_exit(const DecisionContext& c) override {
    return right(c, c.exit) ? Decision::exit() : Decision::next();
  }

 private:
  static bool right(const DecisionContext& c, int exit) {
    return c.trace.prediction(c.sample, exit) == c.trace.label(c.sample);
  }
};

const PolicyRegistrar registrar{"oracle", "first exit that is right, else a right full model, else the final exit",
                                [](JsonReader&) { return std::make_unique<Oracle>(); }};

}  // namespace
}  // namespace tiersim
