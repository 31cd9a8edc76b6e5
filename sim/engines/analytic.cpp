// Analytic engine: no contention, no queueing. Every step of a request is priced in closed
// form (compute: MACs / speed; transfer: what SimGrid's network model gives a lone flow),
// so it matches the SimGrid engine exactly when load vanishes and runs sweeps fast. With no
// load, a server never queues: a request waits only for a batch that never fills (max_wait_s on
// a batching server) and is dropped only if that wait takes it past its deadline
// (drop_expired). Selection rules that choose per request (round robin, random draws, load) get
// the static rule's choice, and the summary says so (selection_note).
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "engines/engine.hpp"
#include "model/run_setup.hpp"

namespace tiersim {

namespace {

// Hosts and routes of one device, precomputed: [from tier][to tier].
struct DeviceRoutes {
  std::array<const HostInfo*, kTiers> host{};
  std::array<const ServerSpec*, kTiers> server{};
  std::array<std::array<RouteInfo, kTiers>, kTiers> route{};
};

DeviceRoutes routes_for(const RunSetup& setup, int device) {
  DeviceRoutes r;
  r.host[0] = &setup.topology.device(device);
  for (int t = 1; t < kTiers; ++t)
    if (setup.topology.has_servers(Tier(t))) {
      r.server[t] = &setup.topology.fixed_server(device, Tier(t));
      r.host[t] = r.server[t]->host;
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
  const double deadline = workload.deadline_s();
  std::vector<ServerStats> stats;
  for (const ServerSpec& spec : setup.topology.servers()) {
    ServerStats& s = stats.emplace_back();
    s.name = spec.host->name;
    s.tier = spec.host->role;
    s.workers = spec.settings.workers;
  }
  for (int d = 0; d < setup.topology.devices(); ++d) {
    const DeviceRoutes routes = routes_for(setup, d);
    double arrival = 0, previous_finish = 0;
    for (long long k = 0; k < workload.requests_of(d); ++k) {
      RequestRecord rec;
      rec.request = workload.request_id(d, k);
      rec.device = d;
      rec.sample = workload.sample_for(rec.request);
      arrival = workload.arrivals().arrival(d, k, closed_loop ? previous_finish : arrival);
      rec.arrival_s = arrival;
      double t = arrival;
      Walk walk(setup.walk, rec.sample, rec.request);
      Tier held = Tier::Mobile;  // the server tier the request is at (Mobile: none)
      double visit_start = 0;    // when it reached that server
      for (Step step = walk.next();; step = walk.next()) {
        if (step.kind == StepKind::Done) {
          accounting.finish_record(rec, step);
          break;
        }
        if (step.kind == StepKind::Transfer) {
          held = Tier::Mobile;
          double seconds = setup.network.transfer_time(routes.route[index(step.tier)][index(step.to)], step.bytes);
          accounting.charge_transfer(rec, *routes.host[0], step, seconds);
          t += seconds;
          continue;
        }
        if (step.tier != Tier::Mobile) {
          const ServerSpec& server = *routes.server[index(step.tier)];
          ServerStats& s = stats[static_cast<std::size_t>(server.index)];
          bool first_pass = false;
          if (held != step.tier) {  // the request reaches the server
            held = step.tier;
            first_pass = true;
            visit_start = t;
            ++s.requests;
            rec.server[index(step.tier)] = server.index;
          }
          // A worker takes it once per visit, or once per stage on a batching server; a batch
          // that never fills is due max_wait_s after the request reached the server.
          if (first_pass || server.settings.batching()) {
            const double wait = server.settings.batches(setup.profile, step.stage, step.tier) ? std::max(0.0, visit_start + server.settings.max_wait_s - t) : 0.0;
            if (workload.drop_expired() && t + wait > arrival + deadline) {
              ++s.dropped;
              t += wait;
              accounting.drop_record(rec, walk);
              break;
            }
            s.served(wait);
            ++s.batches;
            rec.queue_s += wait;
            t += wait;
          }
        }
        const HostInfo& host = *routes.host[index(step.tier)];
        double seconds = workload.compute_seconds(host, step, rec.request, walk.compute_steps());
        accounting.charge_compute(rec, host, step, seconds);
        if (step.tier != Tier::Mobile) stats[static_cast<std::size_t>(routes.server[index(step.tier)]->index)].busy_worker_s += seconds;
        t += seconds;
      }
      rec.finish_s = previous_finish = t;
      rec.decisions = walk.decisions();
      metrics.add(rec);
      log.write(rec);
    }
  }
  metrics.set_servers(std::move(stats));
  if (setup.topology.per_request())
    metrics.set_selection_note(fmt::format(
        "the selection rule chooses per request (in turn, by draw or by load); the analytic engine has no load and "
        "used the static rule's choice (the device's edge property, else the tier's first server)"));
}

const Engines::Registrar kAnalytic{
    {"analytic", "closed form per request, no contention or queueing: for large sweeps", true, false,
     [] { return std::make_unique<AnalyticEngine>(); }}};

}  // namespace

}  // namespace tiersim
