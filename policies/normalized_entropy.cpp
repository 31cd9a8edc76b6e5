// DDNN (Teerapittayanon et al., ICDCS 2017): exit where the normalized entropy
// H / ln(C) (in [0, 1] whatever the number of classes C) is below that exit's threshold.
#include <cmath>

#include "model/policy.hpp"

namespace tiersim {
namespace {

class NormalizedEntropy : public Policy {
 public:
  explicit NormalizedEntropy(ExitThresholds t) : thresholds_(std::move(t)) {}

  Decision at_exit(const DecisionContext& c) override {
    const double normalized = c.trace.entropy(c.sample, c.exit) / std::log(static_cast<double>(c.trace.classes()));
    return normalized < thresholds_.at(c.exit) ? Decision::exit() : Decision::next();
  }

  void prepare(const Trace& trace, const ModelProfile&) override {
    thresholds_.check_exits(trace.exits());
    require_entropy(trace, "normalized_entropy");
  }

 private:
  ExitThresholds thresholds_;
};

const PolicyRegistrar registrar{
    "normalized_entropy", "exit where entropy / ln(classes) < thresholds[exit] (DDNN)", [](JsonReader& p) {
      auto t = p.at("thresholds");
      return std::make_unique<NormalizedEntropy>(ExitThresholds::read(t, 0.0, 1.0));
    },
    Tunable{"thresholds", 0, 1}, {{"thresholds", 0.1}}};

}  // namespace
}  // namespace tiersim
