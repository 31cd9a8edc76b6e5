// DDNN (Teerapittayanon et al., ICDCS 2017): exit where the normalized entropy
// H / ln(C) (in [0, 1] whatever the number of classes C) is below that exit's threshold.
#include <fmt/format.h>

#include <cmath>

#include "error.hpp"
#include "policy.hpp"

namespace tiersim {
namespace {

class NormalizedEntropy : public Policy {
 public:
  NormalizedEntropy(ExitThresholds t, std::string where) : thresholds_(std::move(t)), where_(std::move(where)) {}

  Decision at_exit(const DecisionContext& c) const override {
    const double normalized = c.trace.entropy(c.sample, c.exit) / std::log(static_cast<double>(c.trace.classes()));
    return normalized < thresholds_.at(c.exit) ? Decision::exit() : Decision::next();
  }

  void prepare(const Trace& trace, const ModelProfile&) override {
    thresholds_.check_exits(trace.exits(), where_);
    if (!trace.has_entropy())
      throw InputError(fmt::format("{}: policy \"normalized_entropy\" needs per-exit entropy, but this trace has no "
                                   "entropy column, no probability columns, and {} classes (derivable only for 2)",
                                   trace.path, trace.classes()));
  }

 private:
  ExitThresholds thresholds_;
  std::string where_;
};

const PolicyRegistrar registrar{
    "normalized_entropy", "exit where entropy / ln(classes) < thresholds[exit] (DDNN)", [](JsonReader& p) {
      auto t = p.at("thresholds");
      return std::make_unique<NormalizedEntropy>(ExitThresholds::read(t, 0.0, 1.0), t.where());
    },
    Tunable{"thresholds", 0, 1}};

}  // namespace
}  // namespace tiersim
