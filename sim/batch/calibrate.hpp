#pragma once
// Threshold selection: sweep one policy parameter on a calibration split of the trace with
// the analytic engine, keep the cheapest value whose accuracy is within `max_drop` of the
// final exit's, and evaluate that value on a held-out split.
#include <nlohmann/json.hpp>

#include <string>

#include "batch/config.hpp"

namespace tiersim {

struct CalibrationOptions {
  std::string param;              // empty: the policy's registered tunable parameter
  double from = NAN, to = NAN;    // NaN: the tunable's natural range
  int steps = 101;
  double max_drop = 0.005;        // accuracy below the final exit's, absolute
  std::string objective = "energy";  // "energy" (J per inference), "latency" (mean s) or "cost" (units)
  std::string calibration_split = "calibration";
  std::string evaluation_split = "test";  // "all" evaluates on everything, tuned samples included
};

// Returns {"param", "value", "calibration": {...}, "evaluation": {...}, "candidates": [...]} and
// the config to run with the chosen value (policy params set, workload.split = evaluation split).
// The value a calibration minimises, read from a run summary.
double objective_value(const nlohmann::ordered_json& summary, const std::string& objective);

nlohmann::ordered_json calibrate(const Experiment& x, const nlohmann::json& raw_config, const CalibrationOptions& opt,
                                 nlohmann::json& calibrated_config);

}  // namespace tiersim
