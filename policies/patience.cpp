// PABEE (Zhou et al., NeurIPS 2020): keep a patience counter that grows by one each time an
// exit predicts the same class as the exit before it and resets otherwise; exit as soon as
// it reaches `patience` (so patience + 1 identical predictions in a row). As in the authors'
// code, the counter starts at 0 at the first exit.
#include <fmt/format.h>

#include "io/profile.hpp"
#include "io/trace.hpp"
#include "model/policy.hpp"

namespace tiersim {
namespace {

class Patience : public Policy {
 public:
  explicit Patience(int patience) : patience_(patience) {}

  Decision at_exit(const DecisionContext& c) override {
    int counter = 0;
    for (int e = c.exit; e > 0 && c.trace.prediction(c.sample, e) == c.trace.prediction(c.sample, e - 1); --e)
      ++counter;
    return counter >= patience_ ? Decision::exit() : Decision::next();
  }

  // Can any sample exit before the profile's last exit? It needs patience + 1 agreeing
  // predictions in a row there; if no sample has them, the policy is "always the last exit".
  void prepare(const Trace& trace, const ModelProfile& profile) override {
    warnings_.clear();
    const int last = profile.stages.back().exit;
    for (int s = 0; s < trace.samples(); ++s)
      for (int e = 1, run = 0; e < last; ++e) {
        run = trace.prediction(s, e) == trace.prediction(s, e - 1) ? run + 1 : 0;
        if (run >= patience_) return;
      }
    warnings_.push_back(fmt::format("policy \"patience\": patience {} never exits early on {}: no sample has {} agreeing "
                                    "exits in a row before the last exit ({}), so every request runs to it",
                                    patience_, trace.path, patience_ + 1, last));
  }
  std::vector<std::string> warnings() const override { return warnings_; }

 private:
  int patience_;
  std::vector<std::string> warnings_;
};

const PolicyRegistrar registrar{"patience", "exit once `patience` consecutive exits agree with the one before (PABEE)",
                                [](JsonReader& p) {
                                  return std::make_unique<Patience>(
                                      static_cast<int>(p.at("patience").integer_at_least(1)));
                                },
                                Tunable{"patience", 1, 0, Tunable::Upper::Exits, true}, {{"patience", 1}}};

}  // namespace
}  // namespace tiersim
