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
#include <optional>
#include <stdexcept>
#include <tuple>

#include "engines/engine.hpp"
#include "model/radio/ledger.hpp"
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
  ZeroLoadProbe(const RunSetup& setup, const Metrics& metrics, const DeviceRoutes& routes, const RequestRecord& rec,
                const double& now)
      : setup_(setup), metrics_(metrics), routes_(routes), rec_(rec), now_(now) {}
  SystemState state(const DecisionContext& ctx) const override {
    SystemState s = setup_.estimator.estimate(ctx, rec_.arrival_s, now_, routes_.host);
    s.zero_load = true;
    s.battery_j = setup_.battery_left(metrics_, rec_.device, rec_);
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
  const Metrics& metrics_;
  const DeviceRoutes& routes_;
  const RequestRecord& rec_;
  const double& now_;
};

// A radio transfer of a request, priced in closed form: [start, end], its bytes and direction;
// `token` is RadioLedger::start's, kept for its end.
struct RadioTransfer {
  double start, end, bytes;
  bool up;
  double token = 0;
};

// One device's radio: its requests are simulated in arrival order, but the transfers of one may
// interleave with the next one's (a download after the next upload started), so transfers are
// replayed into the device's RadioLedger in time order, up to the next arrival (no later request
// can add an earlier transfer). A record is final, and emitted, when its transfers are replayed
// and no open tail is charged to it.
class RadioTimeline {
 public:
  explicit RadioTimeline(const RadioProfile& profile) : ledger_(&profile) {}

  void add(const RequestRecord& rec, std::vector<RadioTransfer>&& transfers) {
    for (std::size_t i = 0; i < transfers.size(); ++i) {
      events_.push({transfers[i].start, 1, seq_++, rec.request, i});
      events_.push({transfers[i].end, 0, seq_++, rec.request, i});
    }
    pending_.push_back(Pending{rec, std::move(transfers), 0});
    pending_.back().events_left = 2 * pending_.back().transfers.size();
  }

  // Replays the transfer starts and ends before t; emits the records that are final.
  template <class Emit>
  void until(double t, Emit&& emit) {
    while (!events_.empty() && events_.top().t < t) replay(events_.top()), events_.pop();
    emit_final(emit);
  }

  // The end of the run: everything replayed, the open tail charged in full.
  template <class Emit>
  void close(Emit&& emit) {
    until(std::numeric_limits<double>::infinity(), emit);
    if (const auto tail = ledger_.close()) find(tail->owner).rec.radio_tail_j += tail->joules;
    emit_final(emit);
  }

  double up_seconds() const { return ledger_.up_seconds(); }

 private:
  struct Pending {
    RequestRecord rec;
    std::vector<RadioTransfer> transfers;
    std::size_t events_left;
  };
  struct Event {
    double t;
    int kind;  // 0: an end, 1: a start (at one instant, ends first)
    std::uint64_t seq;
    std::uint64_t request;
    std::size_t transfer;
    bool operator>(const Event& o) const { return std::tie(t, kind, seq) > std::tie(o.t, o.kind, o.seq); }
  };

  Pending& find(std::uint64_t request) {
    for (Pending& p : pending_)
      if (p.rec.request == request) return p;
    throw std::logic_error(fmt::format("radio timeline: request {} is not pending", request));
  }

  void replay(const Event& e) {
    Pending& p = find(e.request);
    RadioTransfer& x = p.transfers[e.transfer];
    if (e.kind == 1) {
      std::optional<RadioLedger::Tail> ended;
      p.rec.radio_j += ledger_.start(e.t, ended, x.token);
      if (ended) find(ended->owner).rec.radio_tail_j += ended->joules;
    } else {
      p.rec.radio_j += ledger_.end(e.t, x.token, p.rec.request, x.bytes, x.up, x.end - x.start);
    }
    --p.events_left;
  }

  template <class Emit>
  void emit_final(Emit& emit) {
    const auto owner = ledger_.tail_owner();
    std::erase_if(pending_, [&](Pending& p) {
      if (p.events_left > 0 || (owner && *owner == p.rec.request)) return false;
      emit(p.rec);
      return true;
    });
  }

  RadioLedger ledger_;
  std::vector<Pending> pending_;  // a few records per device: those whose radio energy is not final
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
};

class AnalyticEngine final : public Engine {
 public:
  void run(RunSetup& setup, Metrics& metrics, RequestLog& log) override;

 private:
  RequestRecord simulate(RunSetup& setup, const Metrics& metrics, int device, long long k, double arrival,
                         const DeviceRoutes& routes, std::vector<RadioTransfer>& radio);
  void by_device(RunSetup& setup, Metrics& metrics, RequestLog& log);
  void in_time_order(RunSetup& setup, Metrics& metrics, RequestLog& log);
  std::vector<ServerStats> stats_;
  std::vector<double> radio_up_s_;  // per device: time its radio was not idle
  bool jitter_ = false;              // the network model draws a time multiplier per transfer
};

void AnalyticEngine::run(RunSetup& setup, Metrics& metrics, RequestLog& log) {
  jitter_ = setup.network.has_jitter();
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
  metrics.set_radio_up_seconds(std::move(radio_up_s_));
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
  auto emit = [&](const RequestRecord& rec) { setup.record(metrics, log, rec); };
  std::vector<RadioTransfer> radio;
  for (int d = 0; d < setup.topology.devices(); ++d) {
    const DeviceRoutes routes = routes_for(setup, d);
    RadioTimeline timeline(setup.power.radio(d));
    double arrival = 0, previous_finish = 0;
    for (long long k = 0; k < workload.requests_of(d); ++k) {
      arrival = workload.arrivals().arrival(d, k, closed_loop ? previous_finish : arrival);
      timeline.until(arrival, emit);
      RequestRecord rec = simulate(setup, metrics, d, k, arrival, routes, radio);
      previous_finish = rec.finish_s;
      timeline.add(rec, std::move(radio));
    }
    timeline.close(emit);
    radio_up_s_.push_back(timeline.up_seconds());
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
  std::vector<RadioTimeline> timelines;
  std::vector<RadioTransfer> radio;
  auto emit = [&](const RequestRecord& rec) { setup.record(metrics, log, rec); };
  std::vector<long long> next(static_cast<std::size_t>(devices), 0);
  using Arrival = std::pair<double, int>;  // (instant, device)
  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<>> arrivals;
  for (int d = 0; d < devices; ++d) {
    routes.push_back(routes_for(setup, d));
    timelines.emplace_back(setup.power.radio(d));
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
    RadioTimeline& timeline = timelines[static_cast<std::size_t>(d)];
    timeline.until(arrival, emit);
    RequestRecord rec = simulate(setup, metrics, d, k, arrival, routes[static_cast<std::size_t>(d)], radio);
    timeline.add(rec, std::move(radio));
    ended.emplace(rec.finish_s, rec.request, setup.accounting.outcome(rec));
    if (k + 1 < workload.requests_of(d))
      arrivals.emplace(workload.arrivals().arrival(d, k + 1, closed_loop ? rec.finish_s : arrival), d);
  }
  deliver_until(std::numeric_limits<double>::infinity());
  for (RadioTimeline& timeline : timelines) {
    timeline.close(emit);
    radio_up_s_.push_back(timeline.up_seconds());
  }
}

// One request, priced step by step in closed form.
RequestRecord AnalyticEngine::simulate(RunSetup& setup, const Metrics& metrics, int d, long long k, double arrival,
                                       const DeviceRoutes& routes, std::vector<RadioTransfer>& radio) {
  radio.clear();
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
  const ZeroLoadProbe probe(setup, metrics, routes, rec, t);
  if (setup.needs.state) walk.set_probe(&probe);
  Tier held = Tier::Mobile;  // the server tier the request is at (Mobile: none)
  double visit_start = 0;    // when it reached that server
  int hops = 0;              // transfers so far (a transfer's network jitter draw, as the SimGrid engine's)
  for (Step step = walk.next();; step = walk.next()) {
    if (step.kind == StepKind::Done) {
      accounting.finish_record(rec, step);
      break;
    }
    if (step.kind == StepKind::Transfer) {
      held = Tier::Mobile;
      const double draw = jitter_ ? transfer_draw(setup.walk.seed, rec.request, hops++) : kNoDraw;
      double seconds = setup.network.transfer_time(routes.route[index(step.tier)][index(step.to)], step.bytes, draw);
      accounting.charge_transfer(rec, step, 0.0);  // its radio energy comes from the device's RadioTimeline
      if (step.on_radio()) radio.push_back({t, t + seconds, step.bytes, step.tier == Tier::Mobile});
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
