#include "batch/calibrate.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "engines/engine.hpp"
#include "core/error.hpp"
#include "core/stats.hpp"
#include "model/summary.hpp"
#include "batch/run.hpp"

namespace tiersim {

namespace {

const Tunable& tunable_of(const std::string& policy) {
  for (const auto& p : registered_policies())
    if (p.name == policy) return p.tunable;
  throw InputError(fmt::format("unknown policy \"{}\"", policy));
}

std::vector<int> samples_of(const Trace& trace, const std::string& split, const std::string& option) {
  std::vector<int> out = trace.samples_in(split == "all" ? "" : split);
  if (out.empty())
    throw InputError(fmt::format("{}: no sample has split \"{}\" (given by {}); add a split column with "
                                 "`tiersim trace split`, or pass {} all",
                                 trace.path, split, option, option));
  return out;
}

// Runs the analytic engine over the samples of `split`, once each in trace order, with
// `params` for the policy; the inputs are loaded once for every candidate.
nlohmann::ordered_json evaluate(Experiment x, const std::shared_ptr<RunInputs>& inputs, const nlohmann::json& params,
                                const std::string& split, std::size_t samples) {
  x.policy_params = params;
  x.workload.split = split == "all" ? "" : split;
  x.workload.shuffle = false;
  x.workload.requests = static_cast<long long>(samples);
  x.workload.devices = 1;
  // Arrival times change no decision and no analytic cost; a replayed file may name other devices.
  x.workload.arrival = {{"process", "poisson"}, {"rate_hz", 1.0}};
  RunSetup setup(inputs, x);
  Metrics metrics = setup.new_metrics();
  RequestLog no_log("");
  find_engine("analytic", "tiersim calibrate").make()->run(setup, metrics, no_log);
  return metrics.summary();
}

}  // namespace

double objective_value(const nlohmann::ordered_json& s, const std::string& objective) {
  const SummaryField& field = objective == "latency" ? summary::latency_mean
                              : objective == "cost"  ? summary::cost_units
                                                     : summary::energy_total;
  return get_number(s, field, "calibration summary");
}

namespace {

nlohmann::json as_param(double v, bool integer) {
  return integer ? nlohmann::json(static_cast<long long>(std::llround(v))) : nlohmann::json(v);
}

}  // namespace

nlohmann::ordered_json calibrate(const Experiment& experiment, const nlohmann::json& raw_config,
                                 const CalibrationOptions& opt, nlohmann::json& calibrated_config) {
  Experiment x = experiment;
  x.engine = "analytic";
  auto inputs = load_run_inputs(x);
  const Trace& trace = inputs->trace;
  const Tunable& tunable = tunable_of(x.policy_name);
  const std::string param = opt.param.empty() ? tunable.param : opt.param;
  if (param.empty())
    throw InputError(fmt::format("policy \"{}\" has no parameter to calibrate (give --param)", x.policy_name));
  double hi = tunable.hi;
  if (tunable.upper == Tunable::Upper::LnClasses) hi = std::log(static_cast<double>(trace.classes()));
  if (tunable.upper == Tunable::Upper::Exits) hi = trace.exits();
  const double from = std::isnan(opt.from) ? tunable.lo : opt.from, to = std::isnan(opt.to) ? hi : opt.to;
  if (opt.steps < 1) throw InputError("--steps: expected at least 1");
  if (opt.objective == "cost" && !x.accounting.cost.enabled)
    throw InputError(fmt::format("{}: --objective cost needs a \"cost\" section (lambda per tier, offload)", x.config_path));

  const auto calibration = samples_of(trace, opt.calibration_split, "--calibration-split");
  const auto evaluation = samples_of(trace, opt.evaluation_split, "--evaluation-split");
  const int final_exit = inputs->profile.stages.back().exit;
  auto final_exit_accuracy = [&](const std::vector<int>& samples) {
    double right = 0;
    for (int s : samples) right += trace.prediction(s, final_exit) == trace.label(s) ? 1 : 0;
    return right / static_cast<double>(samples.size());
  };
  const double reference = final_exit_accuracy(calibration);
  // The target in samples: each calibration sample is one request, so a drop of max_drop is
  // floor(max_drop x n) samples answered wrong beyond the final exit's (0.005 of 421 is two).
  const auto n = static_cast<double>(calibration.size());
  const auto allowed_samples = static_cast<long long>(std::floor(opt.max_drop * n + 1e-9));
  const std::uint64_t reference_right = static_cast<std::uint64_t>(std::llround(reference * n));
  const Interval noise = wilson_interval(reference_right, calibration.size());

  nlohmann::ordered_json result;
  result["policy"] = x.policy_name;
  result["param"] = param;
  result["objective"] = opt.objective;
  result["max_drop"] = opt.max_drop;
  result["final_exit_accuracy_calibration"] = reference;
  result["calibration_samples"] = calibration.size();
  result["allowed_drop_samples"] = allowed_samples;
  result["final_exit_accuracy_calibration_ci95"] = {noise.low, noise.high};
  result["warnings"] = nlohmann::json::array();
  if (allowed_samples == 0)
    result["warnings"].push_back(fmt::format(
        "the calibration split has {} samples: a drop of {} is less than one sample, so the target is the final "
        "exit's accuracy itself",
        calibration.size(), opt.max_drop));
  else if (opt.max_drop < (noise.high - noise.low) / 2)
    result["warnings"].push_back(fmt::format(
        "the calibration split has {} samples: the final exit's accuracy there is {:.4f} +- {:.4f} (Wilson 95 %), "
        "wider than the allowed drop of {} ({} samples); the held-out accuracy may miss the target by chance",
        calibration.size(), reference, (noise.high - noise.low) / 2, opt.max_drop, allowed_samples));
  result["candidates"] = nlohmann::json::array();
  int best = -1;
  double best_cost = 0;
  nlohmann::json best_value;
  for (int i = 0; i < opt.steps; ++i) {
    const double v = opt.steps == 1 ? from : from + (to - from) * i / (opt.steps - 1);
    nlohmann::json params = x.policy_params;
    params[param] = as_param(v, tunable.integer && param == tunable.param);
    auto s = evaluate(x, inputs, params, opt.calibration_split, calibration.size());
    const double accuracy = get_number(s, summary::accuracy, "calibration summary"), cost = objective_value(s, opt.objective);
    const bool ok = std::llround(accuracy * n) >= static_cast<long long>(reference_right) - allowed_samples;
    result["candidates"].push_back({{"value", params[param]}, {"accuracy", accuracy}, {opt.objective, cost}, {"meets_target", ok}});
    if (ok && (best < 0 || cost < best_cost)) {
      best = i;
      best_cost = cost;
      best_value = params[param];
    }
  }
  if (best < 0)
    throw InputError(fmt::format("no value of {} in [{}, {}] reaches accuracy {:.4f} - {} ({} of {} samples) on the "
                                 "calibration split",
                                 param, from, to, reference, opt.max_drop, allowed_samples, calibration.size()));
  nlohmann::json params = x.policy_params;
  params[param] = best_value;
  result["value"] = best_value;
  result["calibration"] = evaluate(x, inputs, params, opt.calibration_split, calibration.size());
  // A chosen point that answers nothing on the device and still costs more than sending every
  // input to the cloud: early exits do not pay at this target (a reviewer's first question).
  if (get_number(result["calibration"], summary::exit_mobile, "calibration summary") == 0) {
    Experiment cloud = x;
    cloud.policy_name = "all-in-cloud";
    const double chosen = objective_value(result["calibration"], opt.objective);
    const double all_in_cloud =
        objective_value(evaluate(cloud, inputs, nlohmann::json::object(), opt.calibration_split, calibration.size()),
                        opt.objective);
    if (chosen > all_in_cloud)
      result["warnings"].push_back(fmt::format(
          "{} = {} answers no request on the device and its {} ({:.4g}) is above all-in-cloud's ({:.4g}) on the "
          "calibration split: at this accuracy target early exits do not pay",
          param, best_value.dump(), opt.objective, chosen, all_in_cloud));
  }
  result["evaluation_split"] = opt.evaluation_split;
  result["final_exit_accuracy_evaluation"] = final_exit_accuracy(evaluation);
  result["evaluation"] = evaluate(x, inputs, params, opt.evaluation_split, evaluation.size());
  result["evaluated_on_tuned_samples"] = opt.calibration_split == "all" || opt.evaluation_split == "all" ||
                                         opt.calibration_split == opt.evaluation_split;
  calibrated_config = raw_config;
  calibrated_config["policy"]["params"] = params;
  // Absolute paths: the calibrated config is written elsewhere than the original.
  calibrated_config["trace"] = std::filesystem::absolute(x.trace_path).string();
  calibrated_config["profile"] = std::filesystem::absolute(x.profile_path).string();
  calibrated_config["platform"] = std::filesystem::absolute(x.platform_path).string();
  if (opt.evaluation_split != "all") calibrated_config["workload"]["split"] = opt.evaluation_split;
  return result;
}

}  // namespace tiersim
