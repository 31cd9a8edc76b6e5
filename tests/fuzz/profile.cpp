// Fuzz target: a model profile (io/profile.cpp), checked as a run does against a trace with as
// many exits as the profile uses, and against a 2-exit trace.
#include <algorithm>

#include "fuzz_input.hpp"
#include "core/error.hpp"
#include "io/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = tiersim::fuzz::write_scratch("p.profile.json", tiersim::fuzz::as_view(data, size));
  try {
    const auto profile = tiersim::load_profile(path);
    for (const int exits : {profile.max_exit() + 1, 2}) {
      try {
        tiersim::check_profile_against_trace(profile, exits, "t.csv");
      } catch (const tiersim::InputError& e) {
        tiersim::fuzz::refused(e);
      }
    }
    // What the serving layer asks of a stage's batched latency.
    for (const auto& stage : profile.stages)
      if (stage.batch.given())
        for (int b = 1; b <= std::min(stage.batch.max_batch(), 64); ++b) (void)stage.batch.factor(b);
  } catch (const tiersim::InputError& e) {
    tiersim::fuzz::refused(e);
  }
  return 0;
}
