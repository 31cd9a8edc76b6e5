// PABEE (Zhou et al., NeurIPS 2020): keep a patience counter that grows by one each time an
// exit predicts the same class as the exit before it and resets otherwise; exit as soon as
// it reaches `patience` (so patience + 1 identical predictions in a row). As in the authors'
// code, the counter starts at 0 at the first exit.
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

 private:
  int patience_;
};

const PolicyRegistrar registrar{"patience", "exit once `patience` consecutive exits agree with the one before (PABEE)",
                                [](JsonReader& p) {
                                  return std::make_unique<Patience>(
                                      static_cast<int>(p.at("patience").integer_at_least(1)));
                                },
                                Tunable{"patience", 1, 0, Tunable::Upper::Exits, true}};

}  // namespace
}  // namespace tiersim
