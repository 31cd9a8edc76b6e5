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
#include <limits>
#include <queue>
#include <tuple>

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

// The zero-load state of a request's decisions: no queue, no backlog, nothing else in service;
// the estimates at the instant the request's walk has reached.
class ZeroLoadProbe final : public StateProbe {
 public:
  ZeroLoadProbe(const RunSetup& setup, const DeviceRoutes& routes, double arrival, const double& now)
      : setup_(setup), routes_(routes), arrival_(arrival), now_(now) {}
  SystemState state(const DecisionContext& ctx) const override {
    SystemState s = setup_.estimator.estimate(ctx, arrival_, now_, routes_.host);
    s.zero_load = true;
    for (int t = 0; t < kTiers; ++t) {
      TierState& ts = s.tiers[t];
      if (const ServerSpec* server = routes_.server[t]) {
        ts.workers = server->settings.workers;
        ts.capacity = server->settings.queue_capacity;
      }
      ts.in_service = t == index(ctx.tier) ? 1 : 0;
    }
    return s;
  }

 private:
  const RunSetup& setup_;
  const DeviceRoutes& routes_;
  double arrival_;
  const double& now_;
};

class AnalyticEngine final : public Engine {
 public:
  void run(RunSetup& setup, Metrics& metrics, RequestLog& log) override;

 private:
  RequestRecord simulate(RunSetup& setup, int device, long long k, double arrival, const DeviceRoutes& routes);
  void by_device(RunSetup& setup, Metrics& metrics, RequestLog& log);
  void in_time_order(RunSetup& setup, Metrics& metrics, RequestLog& log);
  std::vector<ServerStats> stats_;
};

void AnalyticEngine::run(RunSetup& setup, Metrics& metrics, RequestLog& log) {
  for (const ServerSpec& spec : setup.topology.servers()) {
    ServerStats& s = stats_.emplace_back();
    s.name = spec.host->name;
    s.tier = spec.host->role;
    s.workers = spec.settings.workers;
  }
  if (setup.needs.feedback)
    in_time_order(setup, metrics, log);
  else
    by_device(setup, metrics, log);
  metrics.set_servers(std::move(stats_));
  if (setup.topology.per_request())
    metrics.set_selection_note(fmt::format(
        "the selection rule chooses per request (in turn, by draw or by load); the analytic engine has no load and "
        "used the static rule's choice (the device's edge property, else the tier's first server)"));
  if (setup.needs.state) metrics.set_state_note("zero-load");
}

// Every request of one device, then the next device's (the order of the records does not
// matter when the policy learns nothing).
void AnalyticEngine::by_device(RunSetup& setup, Metrics& metrics, RequestLog& log) {
  Workload& workload = setup.workload;
  const bool closed_loop = workload.arrivals().closed_loop();
  for (int d = 0; d < setup.topology.devices(); ++d) {
    const DeviceRoutes routes = routes_for(setup, d);
    double arrival = 0, previous_finish = 0;
    for (long long k = 0; k < workload.requests_of(d); ++k) {
      arrival = workload.arrivals().arrival(d, k, closed_loop ? previous_finish : arrival);
      RequestRecord rec = simulate(setup, d, k, arrival, routes);
      previous_finish = rec.finish_s;
      metrics.add(rec);
      log.write(rec);
    }
  }
}

// A policy that learns: requests in arrival order over all devices, and each outcome given
// to the policy before the first request that arrives after it ended (decisions later in that
// request's walk do not see outcomes that end meanwhile: policies/README.md).
void AnalyticEngine::in_time_order(RunSetup& setup, Metrics& metrics, RequestLog& log) {
  Workload& workload = setup.workload;
  const bool closed_loop = workload.arrivals().closed_loop();
  const int devices = setup.topology.devices();
  std::vector<DeviceRoutes> routes;
  std::vector<long long> next(static_cast<std::size_t>(devices), 0);
  using Arrival = std::pair<double, int>;  // (instant, device)
  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<>> arrivals;
  for (int d = 0; d < devices; ++d) {
    routes.push_back(routes_for(setup, d));
    if (workload.requests_of(d) > 0) arrivals.emplace(workload.arrivals().arrival(d, 0, 0.0), d);
  }
  using Ended = std::tuple<double, std::uint64_t, RequestOutcome>;  // (finish, request, outcome)
  auto later = [](const Ended& a, const Ended& b) { return std::tie(std::get<0>(a), std::get<1>(a)) > std::tie(std::get<0>(b), std::get<1>(b)); };
  std::priority_queue<Ended, std::vector<Ended>, decltype(later)> ended(later);
  auto deliver_until = [&](double t) {
    while (!ended.empty() && std::get<0>(ended.top()) <= t) {
      setup.policy->observe(std::get<2>(ended.top()));
      ended.pop();
    }
  };
  while (!arrivals.empty()) {
    const auto [arrival, d] = arrivals.top();
    arrivals.pop();
    deliver_until(arrival);
    const long long k = next[static_cast<std::size_t>(d)]++;
    RequestRecord rec = simulate(setup, d, k, arrival, routes[static_cast<std::size_t>(d)]);
    metrics.add(rec);
    log.write(rec);
    ended.emplace(rec.finish_s, rec.request, setup.accounting.outcome(rec));
    if (k + 1 < workload.requests_of(d))
      arrivals.emplace(workload.arrivals().arrival(d, k + 1, closed_loop ? rec.finish_s : arrival), d);
  }
  deliver_until(std::numeric_limits<double>::infinity());
}

// One request, priced step by step in closed form.
RequestRecord AnalyticEngine::simulate(RunSetup& setup, int d, long long k, double arrival, const DeviceRoutes& routes) {
  const Workload& workload = setup.workload;
  const Accounting& accounting = setup.accounting;
  const double deadline = workload.deadline_s();
  RequestRecord rec;
  rec.request = workload.request_id(d, k);
  rec.device = d;
  rec.sample = workload.sample_for(rec.request);
  rec.arrival_s = arrival;
  double t = arrival;
  Walk walk(setup.walk, rec.sample, rec.request);
  const ZeroLoadProbe probe(setup, routes, arrival, t);
  if (setup.needs.state) walk.set_probe(&probe);
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
      ServerStats& s = stats_[static_cast<std::size_t>(server.index)];
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
    if (step.tier != Tier::Mobile) stats_[static_cast<std::size_t>(routes.server[index(step.tier)]->index)].busy_worker_s += seconds;
    t += seconds;
  }
  rec.finish_s = t;
  rec.decisions = walk.decisions();
  return rec;
}

const Engines::Registrar kAnalytic{
    {"analytic", "closed form per request, no contention or queueing: for large sweeps", true, false, false,
     [] { return std::make_unique<AnalyticEngine>(); }}};

}  // namespace

}  // namespace tiersim
