#pragma once
// Model profile: what each stage of the multi-exit network costs and sends, and which
// stages each tier can run (or which separate full model it runs from the raw input).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/tier.hpp"

namespace tiersim {

// How long a batch of b requests of one stage takes on a server, as measured for a GPU: a
// table over batch sizes starting at b = 1 (`batch_latency_s: {"batch": [1, 2, 4, ..],
// "seconds": [..]}`, linear between the sizes it lists; `[t1, t2, ..]` lists b = 1, 2, ..) or a
// line a + c * b (`{"a": .., "c": ..}`). tiersim scales the stage's single-request time on the
// serving host by t(b) / t(1), so a batch of one costs what an unbatched request does and host
// speeds keep their meaning.
struct BatchLatency {
  std::vector<double> batch, seconds;  // the table (empty: the linear form or none)
  double a = 0, c = 0;                 // t(b) = a + c * b when `linear`
  bool linear = false;
  bool given() const { return linear || !batch.empty(); }
  // Largest batch the model covers (tables end; the line goes on).
  int max_batch() const { return linear ? 1 << 30 : static_cast<int>(batch.back()); }
  double at(int b) const;
  double factor(int b) const { return at(b) / at(1); }
};

struct Stage {
  std::string name;
  double macs = 0;          // multiply-accumulates for one sample
  int bits = 32;            // arithmetic bit width (1 = binary XNOR/popcount)
  int exit = -1;            // trace exit this stage ends in, -1 if none
  double output_bytes = 0;  // activation size sent if offloaded after this stage
  double layers = 1;        // layers in the stage, for costs in per-layer units (DIMEC-DC's lambda)
  BatchLatency batch;       // batched latency on a server (none: the stage is never batched)
};

struct FullModel {
  double macs = 0;
  int bits = 32;
  int exit = -1;  // trace exit holding this model's predictions
  double layers = 0;  // layers, for per-layer costs (0 in the file: as many as the profile's stages)
  BatchLatency batch;
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
  // The batched-latency model of a compute step's stage (Step::stage; stage_count() is `tier`'s full model).
  const BatchLatency& batch_latency(int stage, Tier tier) const {
    return stage < stage_count() ? stages[static_cast<std::size_t>(stage)].batch : tiers[index(tier)].full_model->batch;
  }
  // Bytes that leave a tier when offloading after `stage` (-1: before any stage: the raw input).
  double bytes_after(int stage) const { return stage < 0 ? input_bytes : stages[stage].output_bytes; }
};

ModelProfile load_profile(const std::string& path);

// Checks that the profile and a trace with `trace_exits` exits describe the same network.
void check_profile_against_trace(const ModelProfile& profile, int trace_exits, const std::string& trace_path);

}  // namespace tiersim
