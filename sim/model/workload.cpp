#include "model/workload.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "io/platform.hpp"
#include "model/walk.hpp"

namespace tiersim {

static std::vector<int> make_sample_order(const WorkloadConfig& config, const Trace& trace, std::uint64_t seed,
                                          const std::string& where) {
  std::vector<int> order = trace.samples_in(config.split);
  if (order.empty())
    throw InputError(fmt::format("{}: /workload/split: no sample of trace {} has split \"{}\"", where, trace.path,
                                 config.split));
  if (config.shuffle)  // Fisher-Yates with counter-based draws: same order everywhere
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      std::swap(order[i], order[uniform_index(seed, kStreamShuffle, i, i + 1)]);
    }
  return order;
}

Workload::Workload(const WorkloadConfig& config, const Trace& trace, std::uint64_t seed, const std::string& where,
                   const std::string& base_dir)
    : config_(config),
      seed_(seed),
      sample_order_(make_sample_order(config, trace, seed, where)),
      arrivals_(make_arrival_process(JsonReader(config.arrival, where, "/workload/arrival"),
                                     {config.devices, config.requests, seed, base_dir})) {}

double Workload::compute_seconds(const HostInfo& host, const Step& step, std::uint64_t request,
                                 int compute_step) const {
  double factor = 1.0;
  if (step.tier != Tier::Mobile && config_.service == ServiceTime::Exponential)
    factor = exponential1(seed_, kStreamService + static_cast<std::uint64_t>(compute_step), request);
  return step.macs * factor / host.speed;
}

}  // namespace tiersim
