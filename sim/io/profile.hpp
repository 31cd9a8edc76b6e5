#pragma once
// Model profile: what each stage of the multi-exit network costs and sends, and which
// stages each tier can run (or which separate full model it runs from the raw input).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/tier.hpp"

namespace tiersim {

struct Stage {
  std::string name;
  double macs = 0;          // multiply-accumulates for one sample
  int bits = 32;            // arithmetic bit width (1 = binary XNOR/popcount)
  int exit = -1;            // trace exit this stage ends in, -1 if none
  double output_bytes = 0;  // activation size sent if offloaded after this stage
  double layers = 1;        // layers in the stage, for costs in per-layer units (DIMEC-DC's lambda)
};

struct FullModel {
  double macs = 0;
  int bits = 32;
  int exit = -1;  // trace exit holding this model's predictions
  double layers = 0;  // layers, for per-layer costs (0 in the file: as many as the profile's stages)
};

struct TierModel {
  int first = -1, last = -1;  // inclusive range of stages this tier can run; -1 if none
  std::optional<FullModel> full_model;
  bool runs(int stage) const { return stage >= first && stage <= last && first >= 0; }
};

struct ModelProfile {
  std::string path, name;
  double input_bytes = 0;
  std::vector<Stage> stages;
  std::array<TierModel, kTiers> tiers;

  int stage_count() const { return static_cast<int>(stages.size()); }
  // Highest trace exit index used by a stage or full model.
  int max_exit() const;
  // Bytes that leave a tier when offloading after `stage` (-1: before any stage: the raw input).
  double bytes_after(int stage) const { return stage < 0 ? input_bytes : stages[stage].output_bytes; }
};

ModelProfile load_profile(const std::string& path);

// Checks that the profile and a trace with `trace_exits` exits describe the same network.
void check_profile_against_trace(const ModelProfile& profile, int trace_exits, const std::string& trace_path);

}  // namespace tiersim
