// SimGrid engine, event-driven: no actors. A request is plain data that moves from one
// activity to the next in SimGrid's completion callback; known future instants wait in the
// engine's own heap under one armed SimGrid timer; server queues are data. Only what shares a resource goes through SimGrid's
// solver: transfers (they share links). An execution that has a core to itself — a device's
// own CPU (it serves one request at a time), a server with no more workers than cores — takes
// flops / speed whatever else happens, so it is computed in closed form and costs no SimGrid
// activity; its host energy is integrated exactly as SimGrid's host energy plugin would
// (host_energy.hpp). Servers with more workers than cores, and platforms whose hosts have
// availability or state profiles, run their executions as SimGrid activities.
//
// A server is a FIFO queue and its free workers (see docs/DESIGN.md, "Serving layer"): a worker
// takes the first request alone, or a batch of one stage on a batching server; arrivals to a
// full queue and requests past their deadline at dequeue (drop_expired) are dropped. A
// per-request selection rule chooses the server when the request is sent to the tier.
//
// A device serves its requests one at a time (its CPU, then its upload), in arrival order: when
// it becomes free, its next request's steps on the device are walked at once, in closed form,
// up to the upload, which starts (an event in that heap) when they end. Requests that end on the device never
// reach SimGrid. Policies that decide from the trace row and request alone see no difference
// when a device's steps are walked before their simulated instant. Adaptive policies (they
// read the state, or learn from outcomes: PolicyNeeds) are run stepwise instead: every step
// that ends in a decision ends at its own event, a request starts at its arrival, and
// outcomes reach the policy as requests end, in simulated-time order.
#include <simgrid/kernel/Timer.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "engines/engine.hpp"
#include "engines/host_energy.hpp"
#include "engines/link_pool.hpp"
#include "model/radio/ledger.hpp"
#include "model/run_setup.hpp"

namespace sg4 = simgrid::s4u;

namespace tiersim {

namespace {

struct Server;
class EventRun;
struct Request;

// The state an adaptive policy sees for one request (EventRun::state_of).
struct RequestProbe final : StateProbe {
  EventRun* run = nullptr;
  const Request* request = nullptr;
  SystemState state(const DecisionContext& ctx) const override;
};

struct Request {
  RequestRecord rec;
  std::optional<Walk> walk;
  Step step;                  // the step in progress, or the next one
  double step_start = 0;      // when the step in progress began
  std::uint32_t serial = 0;   // changes when the object is reused: events of its past life are stale
  std::array<Server*, kTiers> server{};  // the server chosen on each tier (nullptr: not yet)
  Server* at = nullptr;       // the server it waits at or is served by
  bool in_service = false;
  double queued_at = 0;       // when it reached `at` (a batch waits max_wait_s from the first one's)
  double ready_at = 0;        // when it last joined `at`'s queue (its wait for this pass starts)
  // A service (this request leads it): the compute steps it covers and their seconds, or the
  // members of its batch (itself first).
  std::vector<Step> steps;
  std::vector<double> step_seconds;
  std::vector<Request*> batch;
  double service_start = 0;
  // With failures: the transfer that brought it to its server and its walk right after that
  // step, to send it again.
  Step arrived_by;
  std::optional<Walk> walk_at_arrival;
  sg4::ActivityPtr activity;  // the activity in flight (kept alive until it completes)
  bool decide_at_end = false;  // stepwise: the walk moves on when the service's step ends
  std::vector<sg4::Link*> links;  // the links of its transfer in flight (policies that read state)
  double radio_token = 0;         // its radio transfer in flight: RadioLedger::start's token
  int hops = 0;                   // transfers started so far (a transfer's network jitter draw)
  RequestProbe probe;
};

// A server: its workers, FIFO queue and statistics.
struct Server {
  const ServerSpec* spec = nullptr;
  const HostInfo* host = nullptr;
  bool closed_form = true;        // each worker has a core of its own: services in closed form
  int free_workers = 0;
  long long in_service = 0;       // requests being served (batch members each)
  std::deque<Request*> waiting;   // requests waiting for a worker, in arrival order
  double batch_due = -1;          // instant a batch timer is armed for (-1: none)
  bool down = false;              // failed (servers.failures)
  std::vector<Request*> serving;  // leaders of the services in progress (failures cancel them)
  HostEnergyMeter energy;
  ServerStats stats;
  ServerLoad load() const { return {static_cast<long long>(waiting.size()), in_service}; }
};

// What the engine touches of a device per request, in one place: with 10 000 devices each
// request's first touch of its device is a cache miss, so one struct rather than several arrays.
// A FIFO of times that allocates nothing while empty: a std::deque allocates 576 bytes as it is
// constructed, 5.6 MiB for 10 000 devices that mostly never read ahead.
class TimeQueue {
 public:
  bool empty() const { return head_ == times_.size(); }
  std::size_t size() const { return times_.size() - head_; }
  double front() const { return times_[head_]; }
  double back() const { return times_.back(); }
  void pop_front() { ++head_; }
  void push_back(double t) {
    if (head_ > 0 && head_ * 2 >= times_.size()) {  // the read part is half or more: drop it
      times_.erase(times_.begin(), times_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    times_.push_back(t);
  }
  std::vector<double>::const_iterator begin() const { return times_.begin() + static_cast<std::ptrdiff_t>(head_); }
  std::vector<double>::const_iterator end() const { return times_.end(); }

 private:
  std::vector<double> times_;
  std::size_t head_ = 0;
};

struct Device {
  long long next = 0;        // index of its next request
  double last_arrival = 0;   // arrival time of its latest request
  TimeQueue upcoming;        // arrivals of its next requests, read ahead to count its backlog
  sg4::Host* host = nullptr; // its own host
  std::array<Server*, kTiers> server{};  // its server on each tier when the rule chooses once per device
  HostEnergyMeter energy;
  RadioLedger radio;
  // The request the open radio tail is charged to while it is in progress; once it has finished,
  // its record waits in `held` until the tail ends (the next transfer or the end of the run).
  Request* tail_request = nullptr;
  std::unique_ptr<RequestRecord> held;
};

// How far ahead of its arrival a device's next request is created and walked (release_deferred).
constexpr double kLookahead_s = 1.0;

class EventRun {
 public:
  EventRun(RunSetup& setup, Metrics& metrics, RequestLog& log);
  void start();
  // After SimGrid's run: checks every request completed, reports host and link energy and the servers.
  void finish();
  // What an adaptive policy sees at a decision of r now.
  SystemState state_of(const Request& r, const DecisionContext& ctx);

 private:
  double next_arrival(int d, long long k, double t);
  long long backlog(int d);
  const Server* server_seen(const Request& r, Tier tier) const;
  void count_flows(Request* r, sg4::Host* from, sg4::Host* to);
  void uncount_flows(Request* r);
  std::unordered_map<const sg4::Link*, long long> flows_;  // transfers in flight per link (state readers)
  void device_walks_on(Request* r);
  void begin_service(Server& s, Request* leader, double duration);
  void device_free(int d, double t);
  double device_steps(Request* r, double t);
  void advance(Request* r);
  double compute_closed_form(Request* r, HostEnergyMeter& meter, double start);
  Server* server_for(Request* r, Tier tier);
  void arrive(Server& s, Request* r);
  void dispatch(Server& s);
  bool take_batch(Server& s, std::vector<Request*>& members);
  void start_service(Server& s, std::vector<Request*>& members);
  void service_done(Request* leader);
  void batch_due(Server& s);
  bool stays(Server& s, Request* r);
  void go_on(Server& s, std::span<Request* const> members);
  void drop(Request* r);
  void fail(Server& s);
  void failure_hits(Request* r);
  using Action = void (EventRun::*)(Request*);
  void at(double t, Request* r, Action action);
  void arm();
  void fire();
  void start_transfer(Request* r);
  void radio_starts(Request* r);
  void charge_tail(Device& dev, const RadioLedger::Tail& tail);
  void start_device_exec(Request* r);
  void completed(const sg4::Activity& activity);
  void finish_request(Request* r, double t);
  Request* new_request(int d, long long k, double arrival);
  double now() const { return sg4::Engine::get_clock(); }

  RunSetup& setup_;
  Metrics& metrics_;
  RequestLog& log_;
  const bool closed_loop_;
  const bool closed_form_execs_;  // hosts keep a constant speed: executions can be closed form
  const bool per_request_selection_;
  const double deadline_s_;
  const bool drop_expired_;
  const bool failures_;
  const bool stepwise_;  // the policy is adaptive: no walking ahead of simulated time
  const bool jitter_;    // the network model draws a time multiplier per transfer (transfer_draw)
  // Devices' transfers on borrowed idle hosts of their class (link_pool.hpp); nullptr: each on its own.
  std::unique_ptr<LinkPool> link_pool_;
  std::uint64_t resent_ = 0;
  std::vector<Device> devices_;
  std::vector<Server> servers_;  // as Topology::servers()
  std::vector<std::unique_ptr<Request>> requests_;      // every Request object, reused
  std::vector<Request*> spare_;
  std::vector<Request*> members_;  // scratch: the batch being formed
  std::vector<sg4::ActivityPtr> retired_;  // completed activities SimGrid may still be using
  std::vector<sg4::ActivityPtr> cancelled_;  // executions cancelled by failures, kept until the run ends
  // Future instants (an upload that starts when the device's compute ends, a service that
  // ends, ...): a binary min-heap here, with one SimGrid timer armed at its earliest. SimGrid's
  // own timer heap (a Fibonacci heap of allocated nodes) would hold one timer per device: 6.4 %
  // of the cycles at 10 000 devices (perf), 0.6 % this way. Ties run in the order they were scheduled.
  struct Event {
    double t;
    std::uint64_t seq;
    Request* r;
    std::uint32_t serial;
    Action action;
    Server* batch_server;  // a batch timer of this server (then r and action are unused)
    bool operator>(const Event& o) const { return t > o.t || (t == o.t && seq > o.seq); }
  };
  void push_event(Event e);
  std::vector<Event> events_;
  // Devices whose next request arrives more than kLookahead_s after they became free: the request
  // object is created (and walked on its device) only once the run is that close to its arrival,
  // so an idle device holds no request (688 B) while waiting. A min-heap of (arrival, device).
  struct Deferred {
    double arrival;
    std::uint64_t seq;
    int device;
    bool operator>(const Deferred& o) const { return arrival > o.arrival || (arrival == o.arrival && seq > o.seq); }
  };
  std::vector<Deferred> deferred_;
  void release_deferred(double t);
  std::uint64_t scheduled_ = 0;
  simgrid::kernel::timer::Timer* timer_ = nullptr;  // the armed timer (nullptr: none)
  double timer_at_ = 0;
  bool firing_ = false;
  long long completed_ = 0, expected_ = 0;
  std::string failure_;
};

EventRun::EventRun(RunSetup& setup, Metrics& metrics, RequestLog& log)
    : setup_(setup),
      metrics_(metrics),
      log_(log),
      closed_loop_(setup.workload.arrivals().closed_loop()),
      closed_form_execs_(!setup.platform.has_profiles()),
      per_request_selection_(setup.topology.per_request()),
      deadline_s_(setup.workload.deadline_s()),
      drop_expired_(setup.workload.drop_expired()),
      failures_(setup.topology.has_failures()),
      stepwise_(setup.needs.online()),
      jitter_(setup.network.has_jitter()),
      devices_(static_cast<std::size_t>(setup.topology.devices())) {
  const Topology& topology = setup.topology;
  servers_.resize(topology.servers().size());
  for (const ServerSpec& spec : topology.servers()) {
    Server& s = servers_[static_cast<std::size_t>(spec.index)];
    s.spec = &spec;
    s.host = spec.host;
    s.closed_form = closed_form_execs_ && spec.settings.workers <= spec.host->cores;
    s.free_workers = spec.settings.workers;
    s.stats.name = spec.host->name;
    s.stats.tier = spec.host->role;
    s.stats.workers = spec.settings.workers;
  }
  for (int d = 0; d < topology.devices(); ++d) {
    Device& dev = devices_[static_cast<std::size_t>(d)];
    dev.host = topology.device(d).host;
    dev.radio = RadioLedger(&setup.power.radio(d));
    for (int t = 1; t < kTiers; ++t)
      if (topology.has_servers(Tier(t)) && !per_request_selection_)
        dev.server[t] = &servers_[static_cast<std::size_t>(topology.fixed_server(d, Tier(t)).index)];
  }
  for (int d = 0; d < static_cast<int>(devices_.size()); ++d) expected_ += setup.workload.requests_of(d);
  // Hosts are interchangeable only where nothing but their transfers' times tells them apart.
  if (!std::getenv("TIERSIM_NO_LINK_POOL") && !setup.needs.state && !failures_ && !setup.platform.has_profiles() && !setup.platform.has_link_energy()) {
    std::vector<sg4::Host*> device_hosts, server_hosts;
    for (const Device& dev : devices_) device_hosts.push_back(dev.host);
    for (const Server& s : servers_) server_hosts.push_back(s.host->host);
    link_pool_ = std::make_unique<LinkPool>(device_hosts, server_hosts, setup.network);
  }
}

void EventRun::start() {
  sg4::Activity::on_completion_cb([this](const sg4::Activity& a) { completed(a); });
  for (Server& s : servers_)
    for (const auto& [from, to] : s.spec->down) {
      simgrid::kernel::timer::Timer::set(from, [this, &s] { fail(s); });
      simgrid::kernel::timer::Timer::set(to, [this, &s] {
        s.down = false;
        dispatch(s);
      });
    }
  for (int d = 0; d < static_cast<int>(devices_.size()); ++d) device_free(d, 0.0);
}

Request* EventRun::new_request(int d, long long k, double arrival) {
  Request* r;
  if (spare_.empty()) {
    r = requests_.emplace_back(std::make_unique<Request>()).get();
  } else {
    r = spare_.back();
    spare_.pop_back();
  }
  const std::uint64_t id = setup_.workload.request_id(d, k);
  ++r->serial;
  r->rec = RequestRecord{};
  r->rec.request = id;
  r->rec.device = d;
  r->rec.sample = setup_.workload.sample_for(id);
  r->rec.arrival_s = arrival;
  r->walk.emplace(setup_.walk, r->rec.sample, id);
  if (setup_.needs.state) {
    r->probe.run = this;
    r->probe.request = r;
    r->walk->set_probe(&r->probe);
  }
  r->server = devices_[static_cast<std::size_t>(d)].server;
  r->at = nullptr;
  r->in_service = false;
  r->decide_at_end = false;
  r->hops = 0;
  return r;
}

// Device d is free from time t: its next requests start, one after the other, until one leaves
// the device (it is then busy until that upload ends; in closed loop until the request ends).
// Stepwise, a request that arrives later starts at its own event.
void EventRun::device_free(int d, double t) {
  Device& dev = devices_[static_cast<std::size_t>(d)];
  while (dev.next < setup_.workload.requests_of(d)) {
    const long long k = dev.next++;
    const double arrival = next_arrival(d, k, t);
    if (!stepwise_ && arrival > t + kLookahead_s) {
      deferred_.push_back({arrival, scheduled_++, d});
      std::push_heap(deferred_.begin(), deferred_.end(), std::greater<>());
      if (!firing_) arm();
      return;
    }
    Request* r = new_request(d, k, arrival);
    if (stepwise_ && std::max(arrival, t) > now()) {
      at(std::max(arrival, t), r, &EventRun::device_walks_on);
      return;
    }
    r->step = r->walk->next();
    t = device_steps(r, std::max(arrival, t));
    if (t < 0) return;
  }
}

// Device d's k-th arrival (read ahead by backlog(), or asked of the process now; closed loop:
// after `t`, when its previous request ended).
double EventRun::next_arrival(int d, long long k, double t) {
  Device& dev = devices_[static_cast<std::size_t>(d)];
  double arrival;
  if (!dev.upcoming.empty()) {
    arrival = dev.upcoming.front();
    dev.upcoming.pop_front();
  } else {
    arrival = setup_.workload.arrivals().arrival(d, k, closed_loop_ ? t : dev.last_arrival);
  }
  dev.last_arrival = arrival;
  return arrival;
}

// Requests of device d that arrived by now and wait for it (the one deciding not counted):
// open-loop arrivals are read ahead, in order, up to the first one after now. Closed loop: 0
// (a device's next request follows the end of the previous one).
long long EventRun::backlog(int d) {
  if (closed_loop_) return 0;
  Device& dev = devices_[static_cast<std::size_t>(d)];
  const long long total = setup_.workload.requests_of(d);
  long long k = dev.next + static_cast<long long>(dev.upcoming.size());
  double last = dev.upcoming.empty() ? dev.last_arrival : dev.upcoming.back();
  while (k < total && (dev.upcoming.empty() || last <= now())) {
    last = setup_.workload.arrivals().arrival(d, k++, last);
    dev.upcoming.push_back(last);
  }
  long long waiting = 0;
  for (double a : dev.upcoming) {
    if (a > now()) break;
    ++waiting;
  }
  return waiting;
}

// The deferred devices whose next request arrives by t + kLookahead_s: each request is created and
// walks on its device from its arrival (ahead of time, as device_free does), and the device goes on
// with the following ones once it is free.
void EventRun::release_deferred(double t) {
  while (!deferred_.empty() && deferred_.front().arrival <= t + kLookahead_s) {
    std::pop_heap(deferred_.begin(), deferred_.end(), std::greater<>());
    const int d = deferred_.back().device;
    deferred_.pop_back();
    const Device& dev = devices_[static_cast<std::size_t>(d)];
    Request* r = new_request(d, dev.next - 1, dev.last_arrival);
    r->step = r->walk->next();
    if (const double free = device_steps(r, dev.last_arrival); free >= 0) device_free(d, free);
  }
}

// Stepwise: r's walk moves on now, on its device — it arrives (and the device was free), or its
// compute step there ended (a decision, now).
void EventRun::device_walks_on(Request* r) {
  r->step = r->walk->next();
  if (const double free = device_steps(r, now()); free >= 0) device_free(r->rec.device, free);
}

// Performs r's steps on its device from time t. Returns when the device is free again if the
// request ended there, or -1 once it has left (or waits for a simulated execution).
double EventRun::device_steps(Request* r, double t) {
  while (true) {
    switch (r->step.kind) {
      case StepKind::Done:
        finish_request(r, t);
        return t;
      case StepKind::Transfer:
        r->step_start = t;
        at(t, r, &EventRun::start_transfer);
        return -1;
      case StepKind::Compute:
        if (!closed_form_execs_) {
          r->step_start = t;
          at(t, r, &EventRun::start_device_exec);
          return -1;
        }
        t = compute_closed_form(r, devices_[static_cast<std::size_t>(r->rec.device)].energy, t);
        if (stepwise_) {  // an event, even at the same instant: no recursion over a device's requests
          push_event({t, 0, r, r->serial, &EventRun::device_walks_on, nullptr});
          return -1;
        }
        r->step = r->walk->next();
        break;
    }
  }
}

// Charges r's compute step run on its device from `start`; returns when it ends.
double EventRun::compute_closed_form(Request* r, HostEnergyMeter& meter, double start) {
  const HostInfo& host = setup_.topology.device(r->rec.device);
  const double seconds = setup_.workload.compute_seconds(host, r->step, r->rec.request, r->walk->compute_steps());
  meter.add_execution(start, start + seconds);
  setup_.accounting.charge_compute(r->rec, host, r->step, seconds);
  return start + seconds;
}

// Performs r's next step now that it left its device: a transfer, a server's service, or the end.
void EventRun::advance(Request* r) {
  switch (r->step.kind) {
    case StepKind::Done:
      finish_request(r, now());
      return;
    case StepKind::Transfer:
      r->step_start = now();
      start_transfer(r);
      return;
    case StepKind::Compute:
      arrive(*server_for(r, r->step.tier), r);
      return;
  }
}

// The server of `tier` r uses: chosen once per device, or by the rule when the request is sent
// there (seeing every server's load at that instant).
// The server of `tier` r uses: chosen once per device, or by the rule when the request is sent
// there (seeing every server's load at that instant). A server that is down is never chosen:
// the rule chooses among those up (nullptr when none is).
Server* EventRun::server_for(Request* r, Tier tier) {
  Server*& chosen = r->server[index(tier)];
  if (chosen && chosen->down) chosen = nullptr;
  if (!chosen) {
    const auto& candidates = setup_.topology.servers_of(tier);
    const std::function<ServerLoad(std::size_t)> load = [&](std::size_t i) {
      return servers_[static_cast<std::size_t>(candidates[i]->index)].load();
    };
    const std::function<bool(const ServerSpec&)> up = [&](const ServerSpec& spec) {
      return !servers_[static_cast<std::size_t>(spec.index)].down;
    };
    const ServerSpec* spec = setup_.topology.select(r->rec.device, tier, r->rec.request, load, failures_ ? &up : nullptr);
    if (!spec) return nullptr;
    chosen = &servers_[static_cast<std::size_t>(spec->index)];
  }
  r->rec.server[index(tier)] = chosen->spec->index;
  return chosen;
}

// r reaches server s for its next compute step: it is dropped if the queue is full, else it
// queues (and is served at once when a worker is free).
void EventRun::arrive(Server& s, Request* r) {
  if (s.down) {  // it failed while the request was on its way
    failure_hits(r);
    return;
  }
  const long long capacity = s.spec->settings.queue_capacity;
  const bool served_at_once = s.free_workers > 0 && s.waiting.empty();
  if (capacity >= 0 && !served_at_once && static_cast<long long>(s.waiting.size()) >= capacity) {
    ++s.stats.dropped;
    drop(r);
    return;
  }
  ++s.stats.requests;
  r->at = &s;
  r->queued_at = r->ready_at = now();
  s.waiting.push_back(r);
  dispatch(s);
  // The queue only grows at arrivals, so its maximum is seen here.
  s.stats.max_queue = std::max(s.stats.max_queue, static_cast<long long>(s.waiting.size()));
}

// Hands free workers of s to waiting requests (or batches) while it can.
void EventRun::dispatch(Server& s) {
  while (s.free_workers > 0 && !s.waiting.empty()) {
    if (!take_batch(s, members_)) return;
    if (!members_.empty()) start_service(s, members_);
  }
}

// Takes from s's queue what a free worker serves next into `members`: the first request alone,
// or on a batching server the waiting requests of its stage (up to max_batch, in queue order)
// once there are max_batch of them or the first has waited max_wait_s. Requests past their
// deadline are dropped here (drop_expired). Returns false when the worker should wait (a batch
// timer is then armed); `members` may come back empty after drops.
bool EventRun::take_batch(Server& s, std::vector<Request*>& members) {
  members.clear();
  const double t = now();
  auto expired = [&](const Request* r) { return drop_expired_ && t > r->rec.arrival_s + deadline_s_; };
  Request* first = s.waiting.front();
  if (expired(first)) {
    s.waiting.pop_front();
    ++s.stats.dropped;
    drop(first);
    return true;
  }
  const ServerSettings& settings = s.spec->settings;
  if (!settings.batches(setup_.profile, first->step.stage, s.host->role)) {
    s.waiting.pop_front();
    members.push_back(first);
    return true;
  }
  const int stage = first->step.stage;
  long long same_stage = 0;
  for (const Request* r : s.waiting)
    if (r->step.stage == stage && ++same_stage == settings.max_batch) break;
  const double due = first->queued_at + settings.max_wait_s;
  if (same_stage < settings.max_batch && t < due) {
    if (s.batch_due != due) {
      s.batch_due = due;
      push_event({due, 0, nullptr, 0, nullptr, &s});
    }
    return false;
  }
  // The batch: requests of the stage in queue order (expired ones dropped), the others stay.
  std::deque<Request*> rest;
  for (Request* r : s.waiting) {
    if (r->step.stage != stage || static_cast<int>(members.size()) == settings.max_batch) {
      rest.push_back(r);
    } else if (expired(r)) {
      ++s.stats.dropped;
      drop(r);
    } else {
      members.push_back(r);
    }
  }
  s.waiting.swap(rest);
  return true;
}

// A batch timer of s fired: the first request of its queue then had waited max_wait_s (its
// queue may have changed since; dispatch decides anew).
void EventRun::batch_due(Server& s) {
  if (s.batch_due == now()) s.batch_due = -1;
  dispatch(s);
}

// A worker of s starts serving `members` now. One request alone is served for all its compute
// steps on this tier in a row (its walk read ahead: policies decide from the trace row alone);
// a batch serves one step of each member and takes the stage's batched latency t(b) / t(1)
// times the members' mean single time. Closed-form servers schedule the end; others run it as a
// SimGrid execution.
void EventRun::start_service(Server& s, std::vector<Request*>& members) {
  const double t = now();
  --s.free_workers;
  ++s.stats.batches;
  Request* leader = members.front();
  leader->batch.assign(members.begin(), members.end());
  leader->steps.clear();
  leader->step_seconds.clear();
  double duration = 0;
  for (Request* m : members) {
    const double wait = t - m->ready_at;
    s.stats.served(wait);
    m->rec.queue_s += wait;
    m->in_service = true;
  }
  s.in_service += static_cast<long long>(members.size());
  const bool batching = s.spec->settings.batching();
  if (members.size() == 1 && !s.spec->settings.batches(setup_.profile, leader->step.stage, s.host->role)) {
    // Every compute step on this tier in a row, in one service (one step on a batching server:
    // its next stage goes through the batch queue again).
    // Stepwise: one step, and the walk moves on when it ends (service_done).
    while (leader->step.kind == StepKind::Compute && leader->step.tier == s.host->role &&
           !(batching && !leader->steps.empty())) {
      const double seconds = setup_.workload.compute_seconds(*s.host, leader->step, leader->rec.request,
                                                              leader->walk->compute_steps());
      leader->steps.push_back(leader->step);
      leader->step_seconds.push_back(seconds);
      duration += seconds;
      if (stepwise_) {
        leader->decide_at_end = true;
        break;
      }
      leader->step = leader->walk->next();
    }
  } else {
    double sum = 0;
    for (Request* m : members)
      sum += setup_.workload.compute_seconds(*s.host, m->step, m->rec.request, m->walk->compute_steps());
    const int b = static_cast<int>(members.size());
    duration = sum / b * setup_.profile.batch_latency(leader->step.stage, s.host->role).factor(b);
  }
  s.energy.running_changes(t, +1, s.host->cores);
  if (failures_) s.serving.push_back(leader);
  begin_service(s, leader, duration);
}

// The service `leader` leads runs from now for `duration` seconds (closed form: its end is an
// event; otherwise a SimGrid execution).
void EventRun::begin_service(Server& s, Request* leader, double duration) {
  const double t = now();
  leader->service_start = t;
  if (s.closed_form) {
    at(t + duration, leader, &EventRun::service_done);
    return;
  }
  auto exec = sg4::Exec::init();
  exec->set_flops_amount(duration * s.host->speed)->set_host(s.host->host);
  exec->set_data(leader);
  leader->activity = exec;
  exec->start();
}

// The service `leader` leads ended now: its steps are charged, its worker is free, its members
// go on (to a transfer, the end, or this server's queue again for their next batched stage).
void EventRun::service_done(Request* leader) {
  Server& s = *leader->at;
  const double t = now(), elapsed = t - leader->service_start;
  s.stats.busy_worker_s += elapsed;
  const auto b = static_cast<long long>(leader->batch.size());
  if (leader->decide_at_end) {  // stepwise: its one step ended; the policy decides now, still in service
    leader->decide_at_end = false;
    setup_.accounting.charge_compute(leader->rec, *s.host, leader->steps.front(), elapsed);
    leader->steps.clear();
    leader->step_seconds.clear();
    leader->step = leader->walk->next();
    if (!s.spec->settings.batching() && leader->step.kind == StepKind::Compute && leader->step.tier == s.host->role) {
      // Its next stage here, on the same worker.
      const double seconds = setup_.workload.compute_seconds(*s.host, leader->step, leader->rec.request,
                                                              leader->walk->compute_steps());
      leader->steps.push_back(leader->step);
      leader->step_seconds.push_back(seconds);
      leader->decide_at_end = true;
      begin_service(s, leader, seconds);
      return;
    }
  } else if (b == 1) {  // one request, one or more steps
    double planned = 0;
    for (double x : leader->step_seconds) planned += x;
    for (std::size_t i = 0; i < leader->steps.size(); ++i)
      setup_.accounting.charge_compute(leader->rec, *s.host, leader->steps[i],
                                       planned > 0 ? elapsed * leader->step_seconds[i] / planned : 0.0);
    if (leader->steps.empty()) {  // served as a batch of one
      setup_.accounting.charge_compute(leader->rec, *s.host, leader->step, elapsed);
      leader->step = leader->walk->next();
    }
  } else {
    for (Request* m : leader->batch) {  // (decisions here see the batch still in service)
      setup_.accounting.charge_compute(m->rec, *s.host, m->step, elapsed / static_cast<double>(b));
      m->step = m->walk->next();
    }
  }
  // The worker is free; the members go on. A copy of a batch: advancing a member may start
  // other services (and reuse finished requests).
  s.energy.running_changes(t, -1, s.host->cores);
  if (failures_) std::erase(s.serving, leader);
  ++s.free_workers;
  s.in_service -= b;
  std::vector<Request*> batch;
  std::span<Request* const> members{&leader, 1};
  if (b > 1) members = batch = leader->batch;
  for (Request* m : members) m->in_service = false;
  go_on(s, members);
  dispatch(s);
}

// The members of a service that ended go on: those with another stage on this (batching)
// server back to the front of its queue in their order, the others to their next step in order.
void EventRun::go_on(Server& s, std::span<Request* const> members) {
  if (members.size() == 1) {  // the usual case, without the vector
    if (!stays(s, members[0])) {
      members[0]->at = nullptr;
      advance(members[0]);
    }
    return;
  }
  std::vector<Request*> leaving;
  for (auto m = members.rbegin(); m != members.rend(); ++m)
    if (!stays(s, *m)) leaving.push_back(*m);
  for (auto m = leaving.rbegin(); m != leaving.rend(); ++m) {
    (*m)->at = nullptr;
    advance(*m);
  }
}

// On a batching server a request whose next step is another stage there goes back to the front
// of the queue (each stage is batched on its own), keeping the instant it reached the server:
// its batch is due at once, and max_wait_s is waited once per visit.
bool EventRun::stays(Server& s, Request* r) {
  if (!s.spec->settings.batching() || r->step.kind != StepKind::Compute || r->step.tier != s.host->role) return false;
  r->ready_at = now();
  s.waiting.push_front(r);
  return true;
}

// A server dropped r: it is answered by the deepest exit already computed on its device, or lost.
void EventRun::drop(Request* r) {
  r->at = nullptr;
  setup_.accounting.drop_record(r->rec, *r->walk);
  finish_request(r, now());
}

// Server s fails now: its services in progress are cancelled and they and its queue are lost
// or sent again (servers.on_failure).
void EventRun::fail(Server& s) {
  const double t = now();
  s.down = true;
  std::vector<Request*> victims;
  for (Request* leader : s.serving) {
    s.stats.busy_worker_s += t - leader->service_start;
    s.energy.running_changes(t, -1, s.host->cores);
    ++s.free_workers;
    s.in_service -= static_cast<long long>(leader->batch.size());
    if (leader->activity) {  // a SimGrid execution: cancelled, its completion ignored
      leader->activity->set_data(nullptr);
      leader->activity->cancel();
      cancelled_.push_back(std::move(leader->activity));
    }
    ++leader->serial;  // its service_done event is void
    victims.insert(victims.end(), leader->batch.begin(), leader->batch.end());
  }
  s.serving.clear();
  victims.insert(victims.end(), s.waiting.begin(), s.waiting.end());
  s.waiting.clear();
  for (Request* r : victims) failure_hits(r);
}

// r's server failed (or was down when r reached it): r is lost, or sent again from where it
// came, to a server of the tier that is up (lost when none is).
void EventRun::failure_hits(Request* r) {
  r->at = nullptr;
  r->in_service = false;
  if (setup_.topology.on_failure() == OnFailure::Lose) {
    setup_.accounting.drop_record(r->rec, *r->walk, true);
    finish_request(r, now());
    return;
  }
  ++resent_;
  r->walk.emplace(*r->walk_at_arrival);
  r->step = r->arrived_by;
  const Tier tier = r->step.to;
  r->server[index(tier)] = devices_[static_cast<std::size_t>(r->rec.device)].server[index(tier)];
  r->step_start = now();
  start_transfer(r);
}

// Runs `action` on r at time t: now, or when the timer armed for the event queue fires.
void EventRun::at(double t, Request* r, Action action) {
  if (t <= now()) {
    (this->*action)(r);
    return;
  }
  push_event({t, 0, r, r->serial, action, nullptr});
}

// Queues e (its instant in the future) and keeps the timer armed at the earliest event.
void EventRun::push_event(Event e) {
  e.seq = scheduled_++;
  events_.push_back(e);
  std::push_heap(events_.begin(), events_.end(), std::greater<>());
  if (!firing_) arm();
}

// Keeps one SimGrid timer armed at the earliest queued event.
void EventRun::arm() {
  if (events_.empty() && deferred_.empty()) return;
  double t = events_.empty() ? std::numeric_limits<double>::infinity() : events_.front().t;
  // A deferred request is released by the first event within kLookahead_s of its arrival; the timer
  // wakes for it only if none comes in the first half of that window (no extra step in a busy run).
  if (!deferred_.empty()) t = std::min(t, std::max(now(), deferred_.front().arrival - kLookahead_s / 2));
  if (timer_ && timer_at_ == t) return;
  if (timer_) timer_->remove();
  timer_at_ = t;
  timer_ = simgrid::kernel::timer::Timer::set(t, [this] { fire(); });
}

// The armed timer fired: runs every event due now (in time, then scheduling order), then arms
// the timer for the next one. Events of a request object since reused are skipped.
void EventRun::fire() {
  timer_ = nullptr;  // SimGrid deletes a timer once it ran
  firing_ = true;
  const double t = now();
  release_deferred(t);
  while (!events_.empty() && events_.front().t <= t) {
    std::pop_heap(events_.begin(), events_.end(), std::greater<>());
    const Event e = events_.back();
    events_.pop_back();
    if (e.batch_server)
      batch_due(*e.batch_server);
    else if (e.r->serial == e.serial)
      (this->*e.action)(e.r);
  }
  firing_ = false;
  arm();
}

void EventRun::start_transfer(Request* r) {
  const Device& dev = devices_[static_cast<std::size_t>(r->rec.device)];
  Server* server = nullptr;
  if (r->step.to != Tier::Mobile && !(server = server_for(r, r->step.to))) {  // every server of the tier is down
    setup_.accounting.drop_record(r->rec, *r->walk, true);
    finish_request(r, now());
    return;
  }
  // The device's end: its own host, or one borrowed from its class while it has transfers in flight.
  sg4::Host* device = !r->step.on_radio() ? nullptr : link_pool_ ? link_pool_->acquire(r->rec.device) : dev.host;
  sg4::Host* from = r->step.tier == Tier::Mobile ? device : r->server[index(r->step.tier)]->host->host;
  sg4::Host* to = server ? server->host->host : device;
  if (setup_.needs.state) count_flows(r, from, to);
  if (r->step.on_radio()) radio_starts(r);
  auto comm = sg4::Comm::sendto_init(from, to);
  comm->set_payload_size(static_cast<std::uint64_t>(r->step.bytes));
  comm->set_data(r);
  r->activity = comm;
  if (jitter_) setup_.network.next_transfer_draw(transfer_draw(setup_.walk.seed, r->rec.request, r->hops));
  ++r->hops;
  comm->start();
}

// A transfer of r's device's radio starts: the promotion it pays, and the tail it ends.
void EventRun::radio_starts(Request* r) {
  Device& dev = devices_[static_cast<std::size_t>(r->rec.device)];
  std::optional<RadioLedger::Tail> ended;
  r->rec.radio_j += dev.radio.start(now(), ended, r->radio_token);
  if (ended) charge_tail(dev, *ended);
}

// A tail has ended: its request is charged, and recorded if it had finished meanwhile.
void EventRun::charge_tail(Device& dev, const RadioLedger::Tail& tail) {
  if (dev.tail_request) {
    dev.tail_request->rec.radio_tail_j += tail.joules;
    dev.tail_request = nullptr;
  } else if (dev.held && dev.held->request == tail.owner) {
    dev.held->radio_tail_j += tail.joules;
    setup_.record(metrics_, log_, *dev.held);
    dev.held.reset();
  } else {
    throw std::logic_error(fmt::format("radio tail of request {}: the request is neither in progress nor held", tail.owner));
  }
}

// A compute step on the device as a SimGrid execution (platforms whose hosts change speed).
void EventRun::start_device_exec(Request* r) {
  const HostInfo& host = setup_.topology.device(r->rec.device);
  const double flops =
      setup_.workload.compute_seconds(host, r->step, r->rec.request, r->walk->compute_steps()) * host.speed;
  devices_[static_cast<std::size_t>(r->rec.device)].energy.running_changes(now(), +1, host.cores);
  auto exec = sg4::Exec::init();
  exec->set_flops_amount(flops)->set_host(host.host);
  exec->set_data(r);
  r->activity = exec;
  exec->start();
}

// Completion callback of every activity (SimGrid calls it from its kernel, between events).
void EventRun::completed(const sg4::Activity& activity) {
  retired_.clear();  // the activities of earlier callbacks are no longer in SimGrid's hands
  auto* r = activity.get_data<Request>();
  if (!r) return;
  if (activity.get_state() != sg4::Activity::State::FINISHED) {
    failure_ = fmt::format("an activity of request {} ended in state {}", r->rec.request, activity.get_state_str());
    return;
  }
  retired_.push_back(std::move(r->activity));
  if (r->in_service) {  // a server's execution
    service_done(r);
    return;
  }
  const double t = now();
  const int d = r->rec.device;
  const Step step = r->step;
  if (step.kind == StepKind::Transfer) {
    if (setup_.needs.state) uncount_flows(r);
    if (link_pool_ && step.on_radio()) link_pool_->release(d);
    double radio_j = 0;
    if (step.on_radio()) {
      Device& dev = devices_[static_cast<std::size_t>(d)];
      radio_j = dev.radio.end(t, r->radio_token, r->rec.request, step.bytes, step.tier == Tier::Mobile, t - r->step_start);
      if (dev.radio.tail_owner()) dev.tail_request = r;  // the last transfer active: the tail that follows is r's
    }
    setup_.accounting.charge_transfer(r->rec, step, radio_j);
    if (failures_ && step.to != Tier::Mobile) {
      r->arrived_by = step;
      r->walk_at_arrival.emplace(*r->walk);
    }
  } else {  // the device's own execution
    const HostInfo& host = setup_.topology.device(d);
    devices_[static_cast<std::size_t>(d)].energy.running_changes(t, -1, host.cores);
    setup_.accounting.charge_compute(r->rec, host, step, t - r->step_start);
  }
  r->step = r->walk->next();
  if (step.kind == StepKind::Compute) {  // still on the device
    if (const double free = device_steps(r, t); free >= 0) device_free(d, free);
    return;
  }
  advance(r);
  const bool left_device = step.tier == Tier::Mobile;
  if (left_device && !closed_loop_) device_free(d, t);
}

void EventRun::finish_request(Request* r, double t) {
  if (r->rec.outcome == Outcome::Served) setup_.accounting.finish_record(r->rec, r->step);
  r->rec.decisions = r->walk->decisions();
  r->rec.finish_s = t;
  Device& dev = devices_[static_cast<std::size_t>(r->rec.device)];
  if (dev.tail_request == r) {  // its radio tail is still open: recorded when the tail ends
    dev.held = std::make_unique<RequestRecord>(r->rec);
    dev.tail_request = nullptr;
  } else {
    setup_.record(metrics_, log_, r->rec);
  }
  setup_.observe(r->rec);
  ++completed_;
  spare_.push_back(r);
  // Closed loop: the device's next request follows the end of this one (for a request that
  // ended on the device, device_free's own loop goes on).
  if (closed_loop_ && (r->rec.outcome != Outcome::Served || r->rec.exit_tier != Tier::Mobile))
    device_free(r->rec.device, t);
}

void EventRun::finish() {
  retired_.clear();
  cancelled_.clear();
  if (!failure_.empty()) throw std::runtime_error(failure_);
  if (completed_ != expected_)
    throw std::logic_error(fmt::format("the SimGrid engine ended with {} of {} requests complete", completed_, expected_));
  // Radio tails still open at the end run in full; their requests are recorded.
  std::vector<double> radio_up;
  for (Device& dev : devices_) {
    if (const auto tail = dev.radio.close()) charge_tail(dev, *tail);
    radio_up.push_back(dev.radio.up_seconds());
  }
  metrics_.set_radio_up_seconds(std::move(radio_up));
  // Host energy above idle per tier, summed in a fixed order (role, name) so that sums are reproducible.
  std::vector<std::pair<const HostInfo*, const HostEnergyMeter*>> meters;
  for (std::size_t d = 0; d < devices_.size(); ++d) meters.emplace_back(&setup_.topology.device(static_cast<int>(d)), &devices_[d].energy);
  for (const auto& s : servers_) meters.emplace_back(s.host, &s.energy);
  std::sort(meters.begin(), meters.end(),
            [](const auto& a, const auto& b) { return std::tie(a.first->role, a.first->name) < std::tie(b.first->role, b.first->name); });
  std::array<double, kTiers> joules{};
  for (const auto& [host, meter] : meters) joules[index(host->role)] += meter->joules(*host);
  metrics_.set_host_busy_energy(joules);
  std::vector<ServerStats> stats;
  for (auto& s : servers_) stats.push_back(std::move(s.stats));
  metrics_.set_servers(std::move(stats));
  if (failures_) metrics_.report_failures(resent_);
  if (setup_.needs.state) metrics_.set_state_note("simulated");
  if (setup_.platform.has_link_energy()) {
    double link_joules = 0;
    for (auto* link : setup_.session.engine().get_all_links()) link_joules += sg_link_get_consumed_energy(link);
    metrics_.set_network_energy(link_joules);
  }
}

SystemState RequestProbe::state(const DecisionContext& ctx) const { return run->state_of(*request, ctx); }

// The server r is on or would use on `tier`: the one chosen (or fixed for its device), else
// (a per-request rule that has not chosen yet) the least loaded one up; nullptr: none.
const Server* EventRun::server_seen(const Request& r, Tier tier) const {
  if (const Server* chosen = r.server[index(tier)]; chosen && !chosen->down) return chosen;
  const Server* best = nullptr;
  for (const ServerSpec* spec : setup_.topology.servers_of(tier)) {
    const Server& s = servers_[static_cast<std::size_t>(spec->index)];
    if (!s.down && (!best || s.load().total() < best->load().total())) best = &s;
  }
  return best;
}

// Transfers in flight per link, for the state's contention-aware upload estimates.
void EventRun::count_flows(Request* r, sg4::Host* from, sg4::Host* to) {
  r->links.clear();
  from->route_to(to, r->links, nullptr);
  for (const sg4::Link* link : r->links) ++flows_[link];
}

void EventRun::uncount_flows(Request* r) {
  for (const sg4::Link* link : r->links) --flows_[link];
  r->links.clear();
}

SystemState EventRun::state_of(const Request& r, const DecisionContext& ctx) {
  const int d = r.rec.device;
  std::array<const HostInfo*, kTiers> hosts{};
  std::array<const Server*, kTiers> servers{};
  hosts[0] = &setup_.topology.device(d);
  for (int t = 1; t < kTiers; ++t)
    if ((servers[t] = server_seen(r, Tier(t)))) hosts[t] = servers[t]->host;
  // Uploads share each link with the transfers in flight on it.
  const StateEstimator::FlowsOn flows_on = [this](const sg4::Link* link) {
    const auto it = flows_.find(link);
    return it == flows_.end() ? 0LL : it->second;
  };
  SystemState state = setup_.estimator.estimate(ctx, r.rec.arrival_s, now(), hosts, &flows_on);
  state.battery_j = setup_.battery_left(metrics_, d, r.rec);
  TierState& device = state.tiers[0];
  device.queued = backlog(d);
  device.in_service = ctx.tier == Tier::Mobile ? 1 : 0;
  for (int t = 1; t < kTiers; ++t) {
    if (!servers[t]) continue;
    const ServerLoad load = servers[t]->load();
    TierState& ts = state.tiers[t];
    ts.queued = load.queued;
    ts.in_service = load.in_service;
    ts.workers = servers[t]->spec->settings.workers;
    ts.capacity = servers[t]->spec->settings.queue_capacity;
  }
  return state;
}

class SimgridEngine final : public Engine {
 public:
  void run(RunSetup& setup, Metrics& metrics, RequestLog& log) override {
    EventRun run(setup, metrics, log);
    run.start();
    setup.session.engine().run();
    run.finish();
  }
};

const Engines::Registrar kSimgrid{
    {"simgrid", "SimGrid 3.32: transfers share links, servers queue (and batch, and drop), devices serve one request at a time", false, true, true,
     [] { return std::make_unique<SimgridEngine>(); }}};

}  // namespace

}  // namespace tiersim
