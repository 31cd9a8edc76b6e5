// Random offloading: at each non-final exit, go on with probability `rate[exit]` and exit
// otherwise, whatever the sample. The draw is a pure function of (seed, request, exit), so
// both engines and any run order make the same choices. The baseline a confidence-based
// policy must beat at the same offloading rate.
#include "model/policy.hpp"
#include "core/rng.hpp"

namespace tiersim {
namespace {

class RandomOffload : public Policy {
 public:
  explicit RandomOffload(ExitThresholds rates) : rates_(std::move(rates)) {}

  Decision at_exit(const DecisionContext& c) override {
    const double u = uniform01(c.seed, kStreamPolicy + static_cast<std::uint64_t>(c.exit), c.request);
    return u < rates_.at(c.exit) ? Decision::next() : Decision::exit();
  }

  void prepare(const Trace& trace, const ModelProfile&) override { rates_.check_exits(trace.exits()); }

 private:
  ExitThresholds rates_;
};

const PolicyRegistrar registrar{
    "random", "go on past each exit with probability rate[exit], else exit (seeded)", [](JsonReader& p) {
      auto r = p.at("rate");
      return std::make_unique<RandomOffload>(ExitThresholds::read(r, 0.0, 1.0));
    },
    Tunable{"rate", 0, 1}, {{"rate", 0.3}}};

}  // namespace
}  // namespace tiersim
