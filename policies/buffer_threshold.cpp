// AdaEE's buffer-based threshold (Bajpai, Hanawal et al.; code: Div290/Buffer_based_threshold,
// UCB_param_threshold.py): at the decision exit, a request exits when its confidence (max
// softmax) reaches alpha = theta1 * q + theta2, q the queue length it sees (by default where it
// is: waiting + in service, itself included, as the repository's len(queue) before the pop);
// otherwise it goes on. The repository learns (theta1, theta2) with UCB over a grid; here they
// are parameters (ucb_threshold learns a threshold per queue length). The repository's grid has
// theta1 >= 0 only (a longer queue raises the threshold, so fewer requests exit); a negative
// theta1 is allowed here, which is what lowers the bar when the queue grows.
#include "adaptive.hpp"

namespace tiersim {
namespace {

class BufferThreshold : public Policy {
 public:
  BufferThreshold(double theta1, double theta2, int exit, adaptive::QueueSource queue, adaptive::Routing routing,
                  std::string where)
      : theta1_(theta1), theta2_(theta2), exit_(exit), queue_(queue), routing_(routing), where_(std::move(where)) {}

  Decision at_input(const DecisionContext&) override { return routing_.at_input(); }

  Decision at_exit(const DecisionContext& c) override {
    if (exit_ >= 0 && c.exit != exit_) return Decision::next();  // the rule holds at its exit only
    const double alpha = theta1_ * static_cast<double>(queue_.length(c.state())) + theta2_;
    return c.trace.confidence(c.sample, c.exit) >= alpha ? Decision::exit() : routing_.go_on(c.tier);
  }

  PolicyNeeds needs() const override { return {true, false}; }

  void prepare(const Trace& trace, const ModelProfile&) override {
    if (exit_ >= 0) adaptive::check_exit(exit_, trace, where_ + "/exit");
  }

 private:
  double theta1_, theta2_;
  int exit_;  // -1: every non-final exit
  adaptive::QueueSource queue_;
  adaptive::Routing routing_;
  std::string where_;
};

const PolicyRegistrar registrar{
    "buffer_threshold", "exit when confidence >= theta1 * queue length + theta2 (AdaEE)", [](JsonReader& p) {
      const double theta1 = p.at("theta1").number_in(-1e3, 1e3);
      const double theta2 = p.at("theta2").number_in(-1e3, 1e3);
      const int exit = adaptive::read_exit(p, "exit", -1);
      auto queue = adaptive::QueueSource::read(p);
      auto routing = adaptive::Routing::read(p);
      return std::make_unique<BufferThreshold>(theta1, theta2, exit, queue, routing, p.where());
    },
    Tunable{}, {{"theta1", -0.01}, {"theta2", 0.95}}};

}  // namespace
}  // namespace tiersim
