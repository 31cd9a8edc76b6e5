// Fuzz target: an experiment config as `tiersim run CONFIG --set ...` reads it — the JSON
// (core/json_reader.cpp), the --set overrides (batch/config.cpp), the sweep's expansion
// (batch/sweep.cpp), each point's parse (batch/config.cpp) and its policy's parameters and
// prepare() against the trace and profile, the workload (arrival processes, a timestamp file
// among them) and the accounting.
// Input: lines "--set PATH=JSON" first (each an override), then the config JSON. The config's
// folder holds tests/data's tiny scenario as tiny.csv, tiny.json, tiny.profile.json and
// tiny_platform.xml, so a config can name existing inputs.
#include <filesystem>

#include "fuzz_input.hpp"
#include "batch/config.hpp"
#include "batch/sweep.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "io/profile.hpp"
#include "io/trace.hpp"
#include "model/accounting.hpp"
#include "model/policy.hpp"
#include "model/workload.hpp"

namespace {

struct Scenario {
  tiersim::Trace trace;
  tiersim::ModelProfile profile;
};

const Scenario& scenario() {
  static const Scenario s = [] {
    for (const char* name : {"tiny.csv", "tiny.json", "tiny.profile.json", "tiny_platform.xml"})
      std::filesystem::copy_file(std::filesystem::path(TIERSIM_SOURCE_DIR) / "tests/data" / name,
                                 tiersim::fuzz::scratch() / name,
                                 std::filesystem::copy_options::overwrite_existing);
    return Scenario{tiersim::load_trace((tiersim::fuzz::scratch() / "tiny.csv").string()),
                    tiersim::load_profile((tiersim::fuzz::scratch() / "tiny.profile.json").string())};
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Scenario& s = scenario();
  std::string_view input = tiersim::fuzz::as_view(data, size);
  std::vector<std::string> overrides;
  static constexpr std::string_view kSet = "--set ";
  while (input.substr(0, kSet.size()) == kSet) {
    const auto end = input.find('\n');
    overrides.emplace_back(input.substr(kSet.size(), end == std::string_view::npos ? end : end - kSet.size()));
    input = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
  }
  const auto path = tiersim::fuzz::write_scratch("config.json", input);
  try {
    auto config = tiersim::read_json_file(path);
    for (const auto& o : overrides) tiersim::apply_override(config, o);
    const auto points = tiersim::expand_sweep(config, path);
    // Every point's config is parsed by the runner before anything runs; a few are enough here
    // (a sweep may have a million).
    for (std::size_t i = 0; i < points.size() && i < 8; ++i) {
      (void)tiersim::config_hash(points[i].config);
      const auto experiment = tiersim::parse_experiment(points[i].config, path);
      auto policy = tiersim::make_policy(experiment.policy_name, experiment.policy_params, path);
      policy->prepare(s.trace, s.profile);
      // The workload builds per-device arrival state (a trace arrival process reads its file):
      // up to the 10 000 devices of the largest shipped experiment, to keep inputs fast.
      if (experiment.workload.devices <= 10000)
        (void)tiersim::Workload(experiment.workload, s.trace, experiment.seed, path, tiersim::fuzz::scratch().string());
      (void)tiersim::Accounting(experiment.accounting, s.trace, s.profile);
    }
  } catch (const tiersim::InputError& e) {
    tiersim::fuzz::refused(e);
  }
  return 0;
}
