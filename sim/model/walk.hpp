#pragma once
// The path of one inference through stages, tiers and exits, as a sequence of steps.
// Both engines drive the same Walk: the analytic engine prices each step in closed form,
// the SimGrid engine performs it as an activity. The policy is consulted only from here.
#include <cstdint>
#include <optional>

#include "model/policy.hpp"

namespace tiersim {

enum class StepKind : std::uint8_t { Compute, Transfer, Done };

struct Step {
  StepKind kind = StepKind::Done;
  Tier tier = Tier::Mobile;  // Compute: where; Transfer: from
  Tier to = Tier::Mobile;    // Transfer: destination
  double macs = 0;
  int bits = 32;
  double bytes = 0;
  int exit = -1;        // Done: the exit where the inference ended (tier: where it was computed)
  int prediction = -1;  // Done: the class answered
  double layers = 0;    // Compute: layers run (for per-layer costs)
  int stage = -1;       // Compute: the profile's stage (stage_count() for a tier's full model)
  // A transfer to or from the device: its radio is charged for it (radio/ledger.hpp).
  bool on_radio() const { return kind == StepKind::Transfer && (tier == Tier::Mobile || to == Tier::Mobile); }
};

struct WalkSetup {
  const Trace& trace;
  const ModelProfile& profile;
  Policy& policy;
  std::uint64_t seed;
  double result_bytes;
};

class Walk {
 public:
  Walk(const WalkSetup& setup, int sample, std::uint64_t request);
  // The next step; after Done it keeps returning Done.
  Step next();
  int compute_steps() const { return compute_steps_; }
  // A Done step answering with the deepest exit computed on the device so far, if any (what a
  // device answers with when a server drops its request).
  std::optional<Step> answer_on_device() const;
  int decisions() const { return decisions_; }
  // Where the policy's state() comes from (engines set it when the policy reads state; it is
  // copied with the walk).
  void set_probe(const StateProbe* probe) { probe_ = probe; }

 private:
  enum class State : std::uint8_t { Start, Running, Decide, FullModel, FullModelDone, Reply, Finished };
  Step move_to(Tier target);
  Step finish(int exit, int answer = -1);
  DecisionContext context(int exit, int stage) const;

  const WalkSetup& setup_;
  const StateProbe* probe_ = nullptr;
  int sample_;
  std::uint64_t request_;
  State state_ = State::Start;
  Tier tier_ = Tier::Mobile;
  int next_stage_ = 0;
  int exit_ = -1;
  int prediction_ = -1;
  int device_exit_ = -1;  // deepest exit computed on the device (-1: none)
  Tier exit_tier_ = Tier::Mobile;  // where the answering exit was computed
  int compute_steps_ = 0;
  int decisions_ = 0;
};

}  // namespace tiersim
