#include "model/walk.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tiersim {

Walk::Walk(const WalkSetup& setup, int sample, std::uint64_t request)
    : setup_(setup), sample_(sample), request_(request) {}

DecisionContext Walk::context(int exit, int stage) const {
  return {setup_.trace, setup_.profile, sample_, exit, stage, tier_, request_, setup_.seed, probe_};
}

Step Walk::move_to(Tier target) {
  if (index(target) <= index(tier_))
    throw std::logic_error(fmt::format("policy offloaded from {} to {}: requests only move up", tier_name(tier_),
                                       tier_name(target)));
  Step s{StepKind::Transfer, tier_, target, 0, 32, setup_.profile.bytes_after(next_stage_ - 1), -1};
  tier_ = target;
  const auto& tm = setup_.profile.tiers[index(target)];
  if (tm.full_model) {
    state_ = State::FullModel;
  } else if (!tm.runs(next_stage_)) {
    throw std::runtime_error(fmt::format("{}: a request was offloaded to {} before stage {}, which {} does not run",
                                         setup_.profile.path, tier_name(target), next_stage_, tier_name(target)));
  }
  return s;
}

Step Walk::finish(int exit, int answer) {
  exit_ = exit;
  prediction_ = answer >= 0 ? answer : setup_.trace.prediction(sample_, exit);
  exit_tier_ = tier_;
  if (tier_ == Tier::Mobile) {
    state_ = State::Finished;
    return {StepKind::Done, tier_, tier_, 0, 32, 0, exit_, prediction_};
  }
  state_ = State::Reply;
  return {StepKind::Transfer, tier_, Tier::Mobile, 0, 32, setup_.result_bytes, -1};
}

std::optional<Step> Walk::answer_on_device() const {
  if (device_exit_ < 0) return std::nullopt;
  return Step{StepKind::Done, Tier::Mobile, Tier::Mobile, 0, 32, 0, device_exit_,
              setup_.trace.prediction(sample_, device_exit_)};
}

Step Walk::next() {
  const auto& profile = setup_.profile;
  while (true) {
    switch (state_) {
      case State::Start: {
        state_ = State::Running;
        ++decisions_;
        Decision d = setup_.policy.at_input(context(-1, -1));
        if (d.action == Action::Offload && d.target != tier_) return move_to(d.target);
        break;
      }
      case State::Running: {
        const int stage = next_stage_;
        if (!profile.tiers[index(tier_)].runs(stage)) {
          // The tier cannot go on: the sample moves up to the nearest tier that runs the stage.
          for (int t = index(tier_) + 1; t < kTiers; ++t)
            if (profile.tiers[t].runs(stage)) return move_to(static_cast<Tier>(t));
          throw std::runtime_error(fmt::format("{}: no tier above {} runs stage {}", profile.path,
                                               tier_name(tier_), stage));
        }
        const Stage& st = profile.stages[stage];
        ++next_stage_;
        ++compute_steps_;
        if (st.exit >= 0) state_ = State::Decide;
        return {StepKind::Compute, tier_, tier_, st.macs, st.bits, 0, -1, -1, st.layers, stage};
      }
      case State::Decide: {
        const int stage = next_stage_ - 1, exit = profile.stages[stage].exit;
        if (tier_ == Tier::Mobile) device_exit_ = exit;
        ++decisions_;
        Decision d = setup_.policy.at_exit(context(exit, stage));
        // At the final exit the inference ends whatever the policy says; it may only choose the answer.
        if (d.action == Action::Exit || next_stage_ == profile.stage_count()) return finish(exit, d.answer);
        state_ = State::Running;
        if (d.action == Action::Offload && d.target != tier_) return move_to(d.target);
        break;
      }
      case State::FullModel: {
        const FullModel& fm = *profile.tiers[index(tier_)].full_model;
        ++compute_steps_;
        state_ = State::FullModelDone;
        return {StepKind::Compute, tier_, tier_, fm.macs, fm.bits, 0, -1, -1, fm.layers, profile.stage_count()};
      }
      case State::FullModelDone:
        return finish(profile.tiers[index(tier_)].full_model->exit);
      case State::Reply:
      case State::Finished:
        state_ = State::Finished;
        return {StepKind::Done, exit_tier_, exit_tier_, 0, 32, 0, exit_, prediction_};
    }
  }
}

}  // namespace tiersim
