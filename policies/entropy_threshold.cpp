// BranchyNet (Teerapittayanon et al., ICPR 2016): exit at the first exit whose softmax
// entropy (natural log) is below that exit's threshold; otherwise continue.
#include <fmt/format.h>

#include "error.hpp"
#include "policy.hpp"

namespace tiersim {
namespace {

class EntropyThreshold : public Policy {
 public:
  EntropyThreshold(ExitThresholds t, std::string where) : thresholds_(std::move(t)), where_(std::move(where)) {}

  Decision at_exit(const DecisionContext& c) const override {
    return c.trace.entropy(c.sample, c.exit) < thresholds_.at(c.exit) ? Decision::exit() : Decision::next();
  }

  void prepare(const Trace& trace, const ModelProfile&) override {
    thresholds_.check_exits(trace.exits(), where_);
    if (!trace.has_entropy())
      throw InputError(fmt::format("{}: policy \"entropy\" needs per-exit entropy, but this trace has no entropy "
                                   "column, no probability columns, and {} classes (derivable only for 2)",
                                   trace.path, trace.classes()));
  }

 private:
  ExitThresholds thresholds_;
  std::string where_;
};

const PolicyRegistrar registrar{
    "entropy", "exit where entropy < thresholds[exit] (BranchyNet)", [](JsonReader& p) {
      auto t = p.at("thresholds");
      return std::make_unique<EntropyThreshold>(ExitThresholds::read(t, 0.0, 1e3), t.where());
    },
    Tunable{"thresholds", 0, 0, Tunable::Upper::LnClasses}};

}  // namespace
}  // namespace tiersim
