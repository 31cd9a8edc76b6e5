// Analytic engine: no contention, no queueing. Every step of a request is priced in closed
// form (compute: MACs / speed; transfer: what SimGrid's network model gives a lone flow),
// so it matches the SimGrid engine exactly when load vanishes and runs sweeps fast.
#include <array>

#include "engines/engine.hpp"
#include "model/run_setup.hpp"

namespace tiersim {

namespace {

// Routes of one device, precomputed: [from tier][to tier].
struct DeviceRoutes {
  std::array<const HostInfo*, kTiers> host{};
  std::array<std::array<RouteInfo, kTiers>, kTiers> route{};
};

DeviceRoutes routes_for(const RunSetup& setup, int device) {
  DeviceRoutes r;
  for (int t = 0; t < kTiers; ++t) {
    if (setup.topology.has_host(device, Tier(t))) r.host[t] = &setup.topology.host_for(device, Tier(t));
  }
  for (int a = 0; a < kTiers; ++a)
    for (int b = 0; b < kTiers; ++b)
      if (a != b && r.host[a] && r.host[b]) r.route[a][b] = setup.platform.route(*r.host[a], *r.host[b]);
  return r;
}

class AnalyticEngine final : public Engine {
 public:
  void run(RunSetup& setup, Metrics& metrics, RequestLog& log) override;
};

void AnalyticEngine::run(RunSetup& setup, Metrics& metrics, RequestLog& log) {
  Workload& workload = setup.workload;
  const Accounting& accounting = setup.accounting;
  const bool closed_loop = workload.arrivals().closed_loop();
  for (int d = 0; d < setup.topology.devices(); ++d) {
    const DeviceRoutes routes = routes_for(setup, d);
    double arrival = 0, previous_finish = 0;
    for (long long k = 0; k < workload.requests_of(d); ++k) {
      RequestRecord rec;
      rec.request = workload.request_id(d, k);
      rec.device = d;
      rec.sample = workload.sample_for(rec.request);
      arrival = workload.arrivals().arrival(d, k, closed_loop ? previous_finish : arrival);
      double t = arrival;
      Walk walk(setup.walk, rec.sample, rec.request);
      for (Step step = walk.next();; step = walk.next()) {
        if (step.kind == StepKind::Done) {
          accounting.finish_record(rec, step);
          break;
        }
        if (step.kind == StepKind::Compute) {
          const HostInfo& host = *routes.host[index(step.tier)];
          double seconds = workload.compute_seconds(host, step, rec.request, walk.compute_steps());
          accounting.charge_compute(rec, host, step, seconds);
          t += seconds;
        } else {
          double seconds = setup.network.transfer_time(routes.route[index(step.tier)][index(step.to)], step.bytes);
          accounting.charge_transfer(rec, *routes.host[0], step, seconds);
          t += seconds;
        }
      }
      rec.arrival_s = arrival;
      rec.finish_s = previous_finish = t;
      rec.decisions = walk.decisions();
      metrics.add(rec);
      log.write(rec);
    }
  }
}

const Engines::Registrar kAnalytic{
    {"analytic", "closed form per request, no contention or queueing: for large sweeps", true,
     [] { return std::make_unique<AnalyticEngine>(); }}};

}  // namespace

}  // namespace tiersim
