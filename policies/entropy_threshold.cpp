// BranchyNet (Teerapittayanon et al., ICPR 2016): exit at the first exit whose softmax
// entropy (natural log) is below that exit's threshold; otherwise continue.
#include "model/policy.hpp"

namespace tiersim {
namespace {

class EntropyThreshold : public Policy {
 public:
  explicit EntropyThreshold(ExitThresholds t) : thresholds_(std::move(t)) {}

  Decision at_exit(const DecisionContext& c) override {
    return c.trace.entropy(c.sample, c.exit) < thresholds_.at(c.exit) ? Decision::exit() : Decision::next();
  }

  void prepare(const Trace& trace, const ModelProfile&) override {
    thresholds_.check_exits(trace.exits());
    require_entropy(trace, "entropy");
  }

 private:
  ExitThresholds thresholds_;
};

const PolicyRegistrar registrar{
    "entropy", "exit where entropy < thresholds[exit] (BranchyNet)", [](JsonReader& p) {
      auto t = p.at("thresholds");
      return std::make_unique<EntropyThreshold>(ExitThresholds::read(t, 0.0, 1e3));
    },
    Tunable{"thresholds", 0, 0, Tunable::Upper::LnClasses}, {{"thresholds", 0.5}}};

}  // namespace
}  // namespace tiersim
