#pragma once
// Pieces the adaptive policies share (buffer_threshold, ucb_threshold, ucb_exit,
// deadline_aware): where a request starts, what it does when it does not exit, which queue a
// rule reads, and the UCB learner. Each policy stays one file; this header only holds what
// would otherwise be copied between them.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/policy.hpp"

namespace tiersim::adaptive {

// A tier named by a parameter ("mobile", "edge", "cloud").
inline Tier read_tier(JsonReader r) {
  const std::string name = r.string_in({"mobile", "edge", "cloud"});
  return name == "mobile" ? Tier::Mobile : name == "edge" ? Tier::Edge : Tier::Cloud;
}

// Where a request starts (`start`: the raw input is sent there first) and what a request that
// does not exit does (`otherwise`: "continue", or a tier to offload to).
struct Routing {
  Tier start = Tier::Mobile;
  bool offload = false;
  Tier offload_to = Tier::Cloud;

  static Routing read(JsonReader& p) {
    Routing r;
    if (p.has("start")) r.start = read_tier(p.at("start"));
    if (p.has("otherwise")) {
      auto o = p.at("otherwise");
      const std::string name = o.string_in({"continue", "edge", "cloud"});
      r.offload = name != "continue";
      if (r.offload) r.offload_to = name == "edge" ? Tier::Edge : Tier::Cloud;
    }
    return r;
  }
  Decision at_input() const { return start == Tier::Mobile ? Decision::next() : Decision::offload(start); }
  // Not exiting at an exit on tier `here`: offload when the target is above it, else continue.
  Decision go_on(Tier here) const {
    return offload && index(offload_to) > index(here) ? Decision::offload(offload_to) : Decision::next();
  }
};

// The queue length q a rule reads (`queue`): "here" — where the request is (a server: waiting
// + in service, itself included; its device: its backlog + itself), "device" — its device's
// backlog, a tier's server ("edge", "cloud": waiting + in service), or "uplink" — the transfers
// in flight on the busiest link towards the nearest tier above (a shared access point's queue).
struct QueueSource {
  enum class Kind { Here, Device, Edge, Cloud, Uplink } kind = Kind::Here;

  static QueueSource read(JsonReader& p) {
    QueueSource q;
    if (p.has("queue")) {
      const std::string name = p.at("queue").string_in({"here", "device", "edge", "cloud", "uplink"});
      q.kind = name == "here"     ? Kind::Here
               : name == "device" ? Kind::Device
               : name == "edge"   ? Kind::Edge
               : name == "cloud"  ? Kind::Cloud
                                  : Kind::Uplink;
    }
    return q;
  }
  long long length(const SystemState& s) const {
    switch (kind) {
      case Kind::Here: return s.here().load();
      case Kind::Device: return s.at(Tier::Mobile).queued;
      case Kind::Edge: return s.at(Tier::Edge).load();
      case Kind::Cloud: return s.at(Tier::Cloud).load();
      case Kind::Uplink:
        for (int t = index(s.tier) + 1; t < kTiers; ++t)
          if (s.tiers[t].present) return s.tiers[t].flows;
        return 0;
    }
    return 0;
  }
};

// An exit index (an integer below 1000; checked against the trace when the policy is prepared).
inline int exit_index(const JsonReader& r) {
  const long long e = r.integer_at_least(0);
  if (e >= 1000) r.fail("an exit index below 1000");
  return static_cast<int>(e);
}
// The exit index parameter `key`, or `fallback` when absent.
inline int read_exit(JsonReader& p, const std::string& key, int fallback) {
  return p.has(key) ? exit_index(p.at(key)) : fallback;
}

// An exit index parameter, checked against the trace when the policy is prepared.
inline void check_exit(int exit, const Trace& trace, const std::string& where) {
  if (exit >= trace.exits() - 1)
    throw InputError(fmt::format("{}: expected a non-final exit of the trace (0 to {}), got {}", where,
                                 trace.exits() - 2, exit));
}

// UCB over a fixed set of arms with delayed rewards (a request's reward arrives when it ends).
// Selection: an arm never chosen nor rewarded first (lowest index), then an arm chosen but not yet rewarded,
// then the largest mean + sqrt(c · ln N / n) (N: rewards so far, n: the arm's), lowest index on
// ties. AdaEE's code (Div290/Buffer_based_threshold, adaee_buffer.py) marks arms `selected` at
// selection and counts them at the update, as here.
class Ucb {
 public:
  Ucb(std::size_t arms, double c) : c_(c), selected_(arms, 0), counts_(arms, 0), means_(arms, 0.0) {}

  std::size_t select() {
    const std::size_t arms = counts_.size();
    std::size_t best = arms;
    for (std::size_t a = 0; a < arms && best == arms; ++a)
      if (selected_[a] == 0 && counts_[a] == 0) best = a;  // (rewards may come from elsewhere: update_all_buckets)
    for (std::size_t a = 0; a < arms && best == arms; ++a)
      if (counts_[a] == 0) best = a;
    if (best == arms) {
      double best_index = -std::numeric_limits<double>::infinity();
      const double log_n = std::log(static_cast<double>(std::max<long long>(total_, 1)));
      for (std::size_t a = 0; a < arms; ++a) {
        const double index = means_[a] + std::sqrt(c_ * log_n / static_cast<double>(counts_[a]));
        if (index > best_index) {
          best_index = index;
          best = a;
        }
      }
    }
    ++selected_[best];
    return best;
  }
  void update(std::size_t arm, double reward) {
    ++counts_[arm];
    ++total_;
    means_[arm] += (reward - means_[arm]) / static_cast<double>(counts_[arm]);
  }
  const std::vector<long long>& counts() const { return counts_; }
  const std::vector<long long>& selections() const { return selected_; }
  const std::vector<double>& means() const { return means_; }
  std::size_t best() const {  // the arm with the highest mean among those rewarded
    std::size_t best = 0;
    for (std::size_t a = 1; a < means_.size(); ++a)
      if (counts_[a] > 0 && (counts_[best] == 0 || means_[a] > means_[best])) best = a;
    return best;
  }

 private:
  double c_;
  std::vector<long long> selected_, counts_;
  std::vector<double> means_;
  long long total_ = 0;
};

// A UCB exploration constant parameter `exploration` (default 2, UCB1).
inline double read_exploration(JsonReader& p) {
  return p.has("exploration") ? p.at("exploration").number_in(0, 1e6) : 2.0;
}

}  // namespace tiersim::adaptive
