// Max-softmax confidence threshold (SPINN, SplitEE style): exit at the first exit whose
// top-class probability reaches that exit's threshold; otherwise continue.
#include "model/policy.hpp"

namespace tiersim {
namespace {

class MaxSoftmaxThreshold : public Policy {
 public:
  explicit MaxSoftmaxThreshold(ExitThresholds t) : thresholds_(std::move(t)) {}

  Decision at_exit(const DecisionContext& c) override {
    return c.trace.confidence(c.sample, c.exit) >= thresholds_.at(c.exit) ? Decision::exit() : Decision::next();
  }

  void prepare(const Trace& trace, const ModelProfile&) override {
    thresholds_.check_exits(trace.exits());
  }

 private:
  ExitThresholds thresholds_;
};

const PolicyRegistrar registrar{
    "max_softmax", "exit where max softmax >= thresholds[exit] (SPINN / SplitEE)", [](JsonReader& p) {
      auto t = p.at("thresholds");
      return std::make_unique<MaxSoftmaxThreshold>(ExitThresholds::read(t, 0.0, 1.0));
    },
    Tunable{"thresholds", 0, 1}, {{"thresholds", 0.9}}};

}  // namespace
}  // namespace tiersim
