// AdaEE with a learner per queue length (Div290/Buffer_based_threshold: adaee_buffer.py, the
// testbed scheduler, and simulation.py): the queue length q a request sees at the decision exit
// picks a bucket; the bucket's UCB learner picks a confidence threshold from a grid; the request
// exits when its confidence (max softmax) reaches it, else goes on. When it ends, the learner
// that chose is rewarded:
//   exited:    0
//   went on:   gain - (mu * q - kappa),  gain = C_L - C_I (C_I: confidence at the decision exit,
//              C_L: at the exit that answered; 0 when it was lost), clipped at 0 (clip_gain).
// The repository differs from this in ways a user of its code should know:
// * adaee_buffer.py writes the clip as np.max((C_L - C_I), 0), which is the max over axis 0 of a
//   scalar: no clip at all. clip_gain: false reproduces it.
// * simulation.py rewards every queue length's learner with the same arm after each decision
//   (the reward's only dependence on q is the known penalty term), with penalty
//   (1 / (10 * max_queue)) * (q - 1) + processing_time / 10000 and no clip; update_all_buckets:
//   true does that (each bucket's q is its lower edge).
// * simulation.py takes q as len(queue) before the pop, the request itself included: queue
//   "here" counts the request too.
#include "adaptive.hpp"

#include <unordered_map>

namespace tiersim {
namespace {

class UcbThreshold : public Policy {
 public:
  struct Settings {
    std::vector<double> thresholds;
    std::vector<double> bucket_edges;  // increasing lower edges of the queue-length buckets
    double mu = 0.1, kappa = 0.05, exploration = 2;
    bool clip_gain = true, update_all_buckets = false;
    int exit = 0;
    adaptive::QueueSource queue;
    adaptive::Routing routing;
    std::string where;
  };

  explicit UcbThreshold(Settings s) : s_(std::move(s)) {
    for (std::size_t b = 0; b < s_.bucket_edges.size(); ++b) learners_.emplace_back(s_.thresholds.size(), s_.exploration);
  }

  Decision at_input(const DecisionContext&) override { return s_.routing.at_input(); }

  Decision at_exit(const DecisionContext& c) override {
    if (c.exit != s_.exit) return Decision::next();
    const long long q = s_.queue.length(c.state());
    const std::size_t bucket = bucket_of(static_cast<double>(q));
    const std::size_t arm = learners_[bucket].select();
    const double confidence = c.trace.confidence(c.sample, c.exit);
    const bool exits = confidence >= s_.thresholds[arm];
    pending_[c.request] = {bucket, arm, static_cast<double>(q), confidence, exits};
    return exits ? Decision::exit() : s_.routing.go_on(c.tier);
  }

  PolicyNeeds needs() const override { return {true, true}; }

  void observe(const RequestOutcome& o) override {
    const auto it = pending_.find(o.request);
    if (it == pending_.end()) return;  // it never reached the decision exit
    const Choice choice = it->second;
    pending_.erase(it);
    reward_sum_ += reward(choice, o, choice.q);
    ++rewarded_;
    if (!s_.update_all_buckets) {
      learners_[choice.bucket].update(choice.arm, reward(choice, o, choice.q));
      return;
    }
    for (std::size_t b = 0; b < learners_.size(); ++b) learners_[b].update(choice.arm, reward(choice, o, s_.bucket_edges[b]));
  }

  void prepare(const Trace& trace, const ModelProfile&) override {
    adaptive::check_exit(s_.exit, trace, s_.where + "/exit");
  }

  nlohmann::json describe() const override {
    nlohmann::json buckets = nlohmann::json::array();
    for (std::size_t b = 0; b < learners_.size(); ++b) {
      const auto& l = learners_[b];
      buckets.push_back({{"queue_from", s_.bucket_edges[b]},
                         {"best_threshold", s_.thresholds[l.best()]},
                         {"counts", l.counts()},
                         {"mean_reward", l.means()}});
    }
    return {{"thresholds", s_.thresholds},
            {"buckets", buckets},
            {"decisions_rewarded", rewarded_},
            {"mean_reward", rewarded_ > 0 ? reward_sum_ / static_cast<double>(rewarded_) : 0.0}};
  }

 private:
  struct Choice {
    std::size_t bucket, arm;
    double q, confidence;
    bool exited;
  };

  std::size_t bucket_of(double q) const {
    std::size_t b = 0;
    while (b + 1 < s_.bucket_edges.size() && s_.bucket_edges[b + 1] <= q) ++b;
    return b;
  }

  double reward(const Choice& c, const RequestOutcome& o, double q) const {
    if (c.exited) return 0;
    double gain = o.exit >= 0 ? o.confidence - c.confidence : 0.0;
    if (s_.clip_gain) gain = std::max(gain, 0.0);
    return gain - (s_.mu * q - s_.kappa);
  }

  Settings s_;
  std::vector<adaptive::Ucb> learners_;
  std::unordered_map<std::uint64_t, Choice> pending_;
  double reward_sum_ = 0;  // the reward of each decision at its own queue length
  long long rewarded_ = 0;
};

std::vector<double> read_numbers(JsonReader r, double lo, double hi) {
  const std::size_t n = r.array_size();
  if (n == 0) r.fail("a non-empty array of numbers");
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(r.element(i).number_in(lo, hi));
  return v;
}

const PolicyRegistrar registrar{
    "ucb_threshold", "a UCB learner per queue-length bucket picks the confidence threshold (AdaEE)", [](JsonReader& p) {
      UcbThreshold::Settings s;
      s.where = p.where();
      s.thresholds = read_numbers(p.at("thresholds"), 0.0, 1.0);
      if (p.has("buckets")) {
        auto b = p.at("buckets");
        s.bucket_edges = read_numbers(b, 0.0, 1e12);
        for (std::size_t i = 1; i < s.bucket_edges.size(); ++i)
          if (!(s.bucket_edges[i] > s.bucket_edges[i - 1])) b.element(i).fail(fmt::format("a queue length above the previous edge ({})", s.bucket_edges[i - 1]));
      } else {
        for (int q = 0; q <= 10; ++q) s.bucket_edges.push_back(q);
      }
      s.mu = p.number_or("mu", 0.1);
      s.kappa = p.number_or("kappa", 0.05);
      s.exploration = adaptive::read_exploration(p);
      s.clip_gain = p.boolean_or("clip_gain", true);
      s.update_all_buckets = p.boolean_or("update_all_buckets", false);
      s.exit = adaptive::read_exit(p, "exit", 0);
      s.queue = adaptive::QueueSource::read(p);
      s.routing = adaptive::Routing::read(p);
      return std::make_unique<UcbThreshold>(std::move(s));
    },
    Tunable{}, {{"thresholds", {0.5, 0.9}}}};

}  // namespace
}  // namespace tiersim
