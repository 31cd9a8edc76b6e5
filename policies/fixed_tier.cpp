// Baselines that run every inference on one tier: all-on-mobile, all-on-edge, all-in-cloud.
// The sample goes to that tier from the raw input and ends at the deepest exit the tier can
// reach: its full model if it has one, else the last exit within its stages.
#include <fmt/format.h>

#include "core/error.hpp"
#include "model/policy.hpp"

namespace tiersim {
namespace {

class FixedTier : public Policy {
 public:
  explicit FixedTier(Tier tier) : tier_(tier) {}

  Decision at_input(const DecisionContext&) override {
    return tier_ == Tier::Mobile ? Decision::next() : Decision::offload(tier_);
  }

  Decision at_exit(const DecisionContext& c) override {
    return c.stage >= last_exit_stage(c.profile) ? Decision::exit() : Decision::next();
  }

  void prepare(const Trace&, const ModelProfile& profile) override {
    const auto& tm = profile.tiers[index(tier_)];
    if (!tm.full_model && last_exit_stage(profile) < 0)
      throw InputError(fmt::format("{}: /tiers/{}: policy \"all-{}-{}\" needs the {} tier to run a full model or "
                                   "stages ending in an exit",
                                   profile.path, tier_name(tier_), tier_ == Tier::Cloud ? "in" : "on",
                                   tier_name(tier_), tier_name(tier_)));
  }

 private:
  int last_exit_stage(const ModelProfile& profile) const {
    const auto& tm = profile.tiers[index(tier_)];
    for (int s = tm.last; s >= tm.first && s >= 0; --s)
      if (profile.stages[s].exit >= 0) return s;
    return -1;
  }
  Tier tier_;
};

std::unique_ptr<Policy> make(Tier t) { return std::make_unique<FixedTier>(t); }

const PolicyRegistrar mobile{"all-on-mobile", "every inference on the device, to its deepest exit",
                             [](JsonReader&) { return make(Tier::Mobile); }};
const PolicyRegistrar edge{"all-on-edge", "raw input to the edge, which runs to its deepest exit",
                           [](JsonReader&) { return make(Tier::Edge); }};
const PolicyRegistrar cloud{"all-in-cloud", "raw input to the cloud, which runs to its deepest exit",
                            [](JsonReader&) { return make(Tier::Cloud); }};

}  // namespace
}  // namespace tiersim
