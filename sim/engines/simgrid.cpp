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
// A device serves its requests one at a time (its CPU, then its upload), in arrival order: when
// it becomes free, its next request's steps on the device are walked at once, in closed form,
// up to the upload, which starts (an event in that heap) when they end. Requests that end on the device never
// reach SimGrid. Policies decide from the trace row and request alone, so walking a device's
// steps before their simulated instant changes no decision.
#include <simgrid/kernel/Timer.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "engines/engine.hpp"
#include "engines/host_energy.hpp"
#include "model/run_setup.hpp"

namespace sg4 = simgrid::s4u;

namespace tiersim {

namespace {

struct Server;

struct Request {
  RequestRecord rec;
  std::optional<Walk> walk;
  Step step;                 // the step in progress, or the next one
  double step_start = 0;     // when the step in progress began
  Server* held = nullptr;    // the server whose worker this request holds
  sg4::ActivityPtr activity; // the activity in flight (kept alive until it completes)
};

// A server host: its workers and FIFO queue.
struct Server {
  const HostInfo* host = nullptr;
  bool closed_form = true;      // each worker has a core of its own
  std::vector<double> free_at;  // closed form: a min-heap of the times each worker is free
  int free_workers = 0;         // simulated: idle workers
  std::deque<Request*> waiting; // simulated: requests waiting for a worker, in arrival order
  HostEnergyMeter energy;
};

// What the engine touches of a device per request, in one place: with 10 000 devices each
// request's first touch of its device is a cache miss, so one struct rather than several arrays.
struct Device {
  long long next = 0;        // index of its next request
  double last_arrival = 0;   // arrival time of its latest request
  std::array<sg4::Host*, kTiers> host{};  // its own host, then the server it uses on each tier
  std::array<Server*, kTiers> server{};   // its server on each tier (nullptr on Mobile)
  HostEnergyMeter energy;
};

class EventRun {
 public:
  EventRun(RunSetup& setup, Metrics& metrics, RequestLog& log);
  void start();
  // After SimGrid's run: checks every request completed, reports host and link energy.
  void finish();

 private:
  void device_free(int d, double t);
  double device_steps(Request* r, double t);
  void advance(Request* r, double t);
  double compute_closed_form(Request* r, HostEnergyMeter& meter, double start);
  bool take_worker(Request* r, Server& server, double& t);
  void release_worker(Request* r, double t);
  using Action = void (EventRun::*)(Request*);
  void at(double t, Request* r, Action action);
  void arm();
  void fire();
  void start_transfer(Request* r);
  void start_exec(Request* r);
  void completed(const sg4::Activity& activity);
  void finish_request(Request* r, double t);
  Request* new_request(int d, long long k, double arrival);
  double now() const { return sg4::Engine::get_clock(); }
  // The energy meter of device d's host on `tier`: its own CPU, or the server it uses there.
  HostEnergyMeter& meter_of(int d, Tier tier) {
    return tier == Tier::Mobile ? devices_[d].energy : devices_[d].server[index(tier)]->energy;
  }

  RunSetup& setup_;
  Metrics& metrics_;
  RequestLog& log_;
  const bool closed_loop_;
  const bool closed_form_execs_;  // hosts keep a constant speed: executions can be closed form
  std::vector<Device> devices_;
  std::vector<Server> servers_;
  std::vector<std::unique_ptr<Request>> requests_;      // every Request object, reused
  std::vector<Request*> spare_;
  std::vector<sg4::ActivityPtr> retired_;  // completed activities SimGrid may still be using
  // Future instants (an upload that starts when the device's compute ends, ...): a binary
  // min-heap here, with one SimGrid timer armed at its earliest. SimGrid's own timer heap (a
  // Fibonacci heap of allocated nodes) would hold one timer per device: 6.4 % of the cycles at
  // 10 000 devices (perf), 0.6 % this way. Ties run in the order they were scheduled.
  struct Event {
    double t;
    std::uint64_t seq;
    Request* r;
    Action action;
    bool operator>(const Event& o) const { return t > o.t || (t == o.t && seq > o.seq); }
  };
  std::vector<Event> events_;
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
      devices_(static_cast<std::size_t>(setup.topology.devices())) {
  std::map<const HostInfo*, std::size_t> index;
  const Topology& topology = setup.topology;
  for (int d = 0; d < topology.devices(); ++d)
    for (int t = 1; t < kTiers; ++t)
      if (topology.has_host(d, Tier(t)) && !index.count(&topology.host_for(d, Tier(t))))
        index.emplace(&topology.host_for(d, Tier(t)), index.size());
  servers_.resize(index.size());
  for (const auto& [host, i] : index) {
    Server& s = servers_[i];
    s.host = host;
    const int workers = topology.workers(host->role);
    s.closed_form = closed_form_execs_ && workers <= host->cores;
    s.free_at.assign(static_cast<std::size_t>(workers), 0.0);
    s.free_workers = workers;
  }
  for (int d = 0; d < topology.devices(); ++d) {
    Device& dev = devices_[d];
    for (int t = 0; t < kTiers; ++t)
      if (topology.has_host(d, Tier(t))) dev.host[t] = topology.host_for(d, Tier(t)).host;
    for (int t = 1; t < kTiers; ++t)
      if (topology.has_host(d, Tier(t))) dev.server[t] = &servers_[index.at(&topology.host_for(d, Tier(t)))];
  }
  for (int d = 0; d < static_cast<int>(devices_.size()); ++d) expected_ += setup.workload.requests_of(d);
}

void EventRun::start() {
  sg4::Activity::on_completion_cb([this](const sg4::Activity& a) { completed(a); });
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
  r->rec = RequestRecord{};
  r->rec.request = id;
  r->rec.device = d;
  r->rec.sample = setup_.workload.sample_for(id);
  r->rec.arrival_s = arrival;
  r->walk.emplace(setup_.walk, r->rec.sample, id);
  r->held = nullptr;
  r->step = r->walk->next();
  return r;
}

// Device d is free from time t: its next requests start, one after the other, until one leaves
// the device (it is then busy until that upload ends; in closed loop until the request ends).
void EventRun::device_free(int d, double t) {
  Device& dev = devices_[d];
  while (dev.next < setup_.workload.requests_of(d)) {
    const long long k = dev.next++;
    const double arrival = setup_.workload.arrivals().arrival(d, k, closed_loop_ ? t : dev.last_arrival);
    dev.last_arrival = arrival;
    Request* r = new_request(d, k, arrival);
    t = device_steps(r, std::max(arrival, t));
    if (t < 0) return;
  }
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
          at(t, r, &EventRun::start_exec);
          return -1;
        }
        t = compute_closed_form(r, meter_of(r->rec.device, Tier::Mobile), t);
        r->step = r->walk->next();
        break;
    }
  }
}

// Charges r's compute step run from `start` on the step's host; returns when it ends.
double EventRun::compute_closed_form(Request* r, HostEnergyMeter& meter, double start) {
  const HostInfo& host = setup_.topology.host_for(r->rec.device, r->step.tier);
  const double seconds = setup_.workload.compute_seconds(host, r->step, r->rec.request, r->walk->compute_steps());
  meter.add_execution(start, start + seconds);
  setup_.accounting.charge_compute(r->rec, host, r->step, seconds);
  return start + seconds;
}

// Performs r's steps after it left its device, from time t (now, or later once it holds a
// closed-form worker), until it waits for an activity or a worker, or ends.
void EventRun::advance(Request* r, double t) {
  while (true) {
    switch (r->step.kind) {
      case StepKind::Done:
        release_worker(r, t);
        finish_request(r, t);
        return;
      case StepKind::Transfer:
        release_worker(r, t);
        r->step_start = t;
        at(t, r, &EventRun::start_transfer);
        return;
      case StepKind::Compute: {
        Server& server = *devices_[r->rec.device].server[index(r->step.tier)];
        if (!take_worker(r, server, t)) return;  // queued: resumes when a worker is handed over
        if (!server.closed_form) {
          r->step_start = t;
          start_exec(r);
          return;
        }
        t = compute_closed_form(r, server.energy, t);
        r->step = r->walk->next();
        break;
      }
    }
  }
}

// Gives r a worker of `server` unless it holds one. Closed form: the earliest free worker, from
// when it is free (FIFO: requests reach a server in time order). Simulated: a free worker now,
// or r joins the queue (returns false).
bool EventRun::take_worker(Request* r, Server& server, double& t) {
  if (r->held == &server) return true;
  if (server.closed_form) {
    std::pop_heap(server.free_at.begin(), server.free_at.end(), std::greater<>());
    t = std::max(t, server.free_at.back());
    server.free_at.pop_back();
  } else if (server.free_workers == 0) {
    server.waiting.push_back(r);
    return false;
  } else {
    --server.free_workers;
  }
  r->held = &server;
  return true;
}

// r's worker is free from time t; a simulated server hands it to the first request waiting.
void EventRun::release_worker(Request* r, double t) {
  Server* server = r->held;
  if (!server) return;
  r->held = nullptr;
  if (server->closed_form) {
    server->free_at.push_back(t);
    std::push_heap(server->free_at.begin(), server->free_at.end(), std::greater<>());
  } else if (server->waiting.empty()) {
    ++server->free_workers;
  } else {
    Request* next = server->waiting.front();
    server->waiting.pop_front();
    next->held = server;
    next->step_start = t;
    start_exec(next);
  }
}

// Runs `action` on r at time t: now, or when the timer armed for the event queue fires.
void EventRun::at(double t, Request* r, Action action) {
  if (t <= now()) {
    (this->*action)(r);
    return;
  }
  events_.push_back({t, scheduled_++, r, action});
  std::push_heap(events_.begin(), events_.end(), std::greater<>());
  if (!firing_) arm();
}

// Keeps one SimGrid timer armed at the earliest queued event.
void EventRun::arm() {
  if (events_.empty()) return;
  const double t = events_.front().t;
  if (timer_ && timer_at_ == t) return;
  if (timer_) timer_->remove();
  timer_at_ = t;
  timer_ = simgrid::kernel::timer::Timer::set(t, [this] { fire(); });
}

// The armed timer fired: runs every event due now (in time, then scheduling order), then arms
// the timer for the next one.
void EventRun::fire() {
  timer_ = nullptr;  // SimGrid deletes a timer once it ran
  firing_ = true;
  const double t = now();
  while (!events_.empty() && events_.front().t <= t) {
    std::pop_heap(events_.begin(), events_.end(), std::greater<>());
    const Event e = events_.back();
    events_.pop_back();
    (this->*e.action)(e.r);
  }
  firing_ = false;
  arm();
}

void EventRun::start_transfer(Request* r) {
  const int d = r->rec.device;
  const Device& dev = devices_[d];
  auto comm = sg4::Comm::sendto_init(dev.host[index(r->step.tier)], dev.host[index(r->step.to)]);
  comm->set_payload_size(static_cast<std::uint64_t>(r->step.bytes));
  comm->set_data(r);
  r->activity = comm;
  comm->start();
}

void EventRun::start_exec(Request* r) {
  const HostInfo& host = setup_.topology.host_for(r->rec.device, r->step.tier);
  const double flops =
      setup_.workload.compute_seconds(host, r->step, r->rec.request, r->walk->compute_steps()) * host.speed;
  meter_of(r->rec.device, r->step.tier).running_changes(now(), +1, host.cores);
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
  const double t = now();
  const int d = r->rec.device;
  const Step step = r->step;
  if (step.kind == StepKind::Transfer) {
    setup_.accounting.charge_transfer(r->rec, setup_.topology.device(d), step, t - r->step_start);
  } else {
    const HostInfo& host = setup_.topology.host_for(d, step.tier);
    meter_of(d, step.tier).running_changes(t, -1, host.cores);
    setup_.accounting.charge_compute(r->rec, host, step, t - r->step_start);
  }
  r->step = r->walk->next();
  if (step.kind == StepKind::Compute && step.tier == Tier::Mobile) {  // still on the device
    if (const double free = device_steps(r, t); free >= 0) device_free(d, free);
    return;
  }
  advance(r, t);
  const bool left_device = step.kind == StepKind::Transfer && step.tier == Tier::Mobile;
  if (left_device && !closed_loop_) device_free(d, t);
}

void EventRun::finish_request(Request* r, double t) {
  setup_.accounting.finish_record(r->rec, r->step);
  r->rec.decisions = r->walk->decisions();
  r->rec.finish_s = t;
  metrics_.add(r->rec);
  log_.write(r->rec);
  ++completed_;
  spare_.push_back(r);
  // Closed loop: the device's next request follows the end of this one (for a request that
  // ended on the device, device_free's own loop goes on).
  if (closed_loop_ && r->rec.exit_tier != Tier::Mobile) device_free(r->rec.device, t);
}

void EventRun::finish() {
  retired_.clear();
  if (!failure_.empty()) throw std::runtime_error(failure_);
  if (completed_ != expected_)
    throw std::logic_error(fmt::format("the SimGrid engine ended with {} of {} requests complete", completed_, expected_));
  // Host energy above idle per tier, summed in a fixed order (role, name) so that sums are reproducible.
  std::vector<std::pair<const HostInfo*, const HostEnergyMeter*>> meters;
  for (std::size_t d = 0; d < devices_.size(); ++d) meters.emplace_back(&setup_.topology.device(static_cast<int>(d)), &devices_[d].energy);
  for (const auto& s : servers_) meters.emplace_back(s.host, &s.energy);
  std::sort(meters.begin(), meters.end(),
            [](const auto& a, const auto& b) { return std::tie(a.first->role, a.first->name) < std::tie(b.first->role, b.first->name); });
  std::array<double, kTiers> joules{};
  for (const auto& [host, meter] : meters) joules[index(host->role)] += meter->joules(*host);
  metrics_.set_host_busy_energy(joules);
  if (setup_.platform.has_link_energy()) {
    double link_joules = 0;
    for (auto* link : setup_.session.engine().get_all_links()) link_joules += sg_link_get_consumed_energy(link);
    metrics_.set_network_energy(link_joules);
  }
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
    {"simgrid", "SimGrid 3.32: transfers share links, servers queue, devices serve one request at a time", false,
     [] { return std::make_unique<SimgridEngine>(); }}};

}  // namespace

}  // namespace tiersim
