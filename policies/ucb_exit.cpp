// SplitEE (Bajpai, Jaiswal, Hanawal, "SplitEE: Early Exit in Deep Neural Networks with Split
// Computing", AIMLSystems 2023; I-SplitEE, 2024): UCB over the exit where the device splits. At
// its input a request gets an arm: an exit i. It goes on to exit i (the layers up to it run
// where the profile puts them), exits there when its confidence (max softmax) reaches `alpha`,
// else is offloaded to `offload_to`, which runs the rest to the final exit. When it ends, the
// arm is rewarded without labels:
//   confidence of the answering exit - lambda * (i + 1) - o * (1 if offloaded)
// (i + 1 exits' worth of layers computed before the split; o the offload cost in the same
// units; a request counts as offloaded when its answer came from above the device, also when
// the device cannot run the stages up to the arm's exit and the request moved up on its own).
#include "adaptive.hpp"

#include <unordered_map>

namespace tiersim {
namespace {

class UcbExit : public Policy {
 public:
  struct Settings {
    std::vector<int> arms;  // exits; empty: every exit of the trace
    double alpha = 0.8, lambda = 0.01, offload_cost = 0.1, exploration = 2;
    Tier offload_to = Tier::Cloud;
    std::string where;
  };

  explicit UcbExit(Settings s) : s_(std::move(s)), ucb_(1, s_.exploration) {}

  Decision at_input(const DecisionContext& c) override {
    const std::size_t arm = ucb_.select();
    pending_[c.request] = {arm, false};
    return Decision::next();
  }

  Decision at_exit(const DecisionContext& c) override {
    const auto it = pending_.find(c.request);
    if (it == pending_.end() || it->second.offloaded) return Decision::next();
    const int split = s_.arms[it->second.arm];
    if (c.exit < split) return Decision::next();
    if (c.trace.confidence(c.sample, c.exit) >= s_.alpha || index(s_.offload_to) <= index(c.tier)) return Decision::exit();
    it->second.offloaded = true;
    return Decision::offload(s_.offload_to);
  }

  PolicyNeeds needs() const override { return {false, true}; }

  void observe(const RequestOutcome& o) override {
    const auto it = pending_.find(o.request);
    if (it == pending_.end()) return;
    const Choice choice = it->second;
    pending_.erase(it);
    const double answer = o.exit >= 0 ? o.confidence : 0.0;
    // Offloaded: the answer came from above the device (by the rule, or because the device
    // could not run the stages to the arm's exit).
    const bool offloaded = choice.offloaded || (o.exit >= 0 && o.exit_tier != Tier::Mobile);
    ucb_.update(choice.arm, answer - s_.lambda * (s_.arms[choice.arm] + 1) - (offloaded ? s_.offload_cost : 0.0));
  }

  void prepare(const Trace& trace, const ModelProfile&) override {
    if (s_.arms.empty())
      for (int e = 0; e < trace.exits(); ++e) s_.arms.push_back(e);
    for (std::size_t i = 0; i < s_.arms.size(); ++i)
      if (s_.arms[i] >= trace.exits())
        throw InputError(fmt::format("{}/arms/{}: expected an exit of the trace (0 to {}), got {}", s_.where, i,
                                     trace.exits() - 1, s_.arms[i]));
    ucb_ = adaptive::Ucb(s_.arms.size(), s_.exploration);
  }

  nlohmann::json describe() const override {
    return {{"arms", s_.arms}, {"counts", ucb_.counts()}, {"mean_reward", ucb_.means()}, {"best_exit", s_.arms[ucb_.best()]}};
  }

 private:
  struct Choice {
    std::size_t arm;
    bool offloaded;
  };
  Settings s_;
  adaptive::Ucb ucb_;
  std::unordered_map<std::uint64_t, Choice> pending_;
};

const PolicyRegistrar registrar{
    "ucb_exit", "UCB over the split exit; exit there if confident, else offload (SplitEE)", [](JsonReader& p) {
      UcbExit::Settings s;
      s.where = p.where();
      if (p.has("arms")) {
        auto a = p.at("arms");
        const std::size_t n = a.array_size();
        if (n == 0) a.fail("a non-empty array of exit indices");
        for (std::size_t i = 0; i < n; ++i) s.arms.push_back(adaptive::exit_index(a.element(i)));
      }
      s.alpha = p.has("alpha") ? p.at("alpha").number_in(0, 1) : 0.8;
      s.lambda = p.number_or("lambda", 0.01);
      s.offload_cost = p.number_or("o", 0.1);
      s.exploration = adaptive::read_exploration(p);
      if (p.has("offload_to")) s.offload_to = adaptive::read_tier(p.at("offload_to"));
      return std::make_unique<UcbExit>(std::move(s));
    }};

}  // namespace
}  // namespace tiersim
