// SimGrid engine: devices are actors with their arrival process; a request that leaves its
// device is carried by a handler actor through server queues, compute and the platform's
// links. Handlers are pooled: creating and ending an actor per request (stack mapping,
// unwinding) cost more than the rest of the request. A request that must wait for a server's
// worker waits in that server's FIFO queue as data, and its handler goes back to the pool: an
// overloaded server costs bytes per queued request, not an actor stack. Transfers are
// host-to-host comms (Comm::sendto), never detached mailbox puts: those are quadratic in
// SimGrid 3.32.
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <cmath>
#include <deque>
#include <map>
#include <algorithm>
#include <tuple>
#include <memory>

#include "run.hpp"

namespace sg4 = simgrid::s4u;

namespace tiersim {

namespace {

struct Server;

struct Request {
  RequestRecord rec;
  Walk walk;
  Step step;               // the step to perform next
  Server* held = nullptr;  // the server whose worker this request holds
};

// A server's workers and FIFO queue. Actors run one at a time between simulation calls, so
// neither needs a lock, and taking a free worker costs no SimGrid call.
struct Server {
  int free_workers = 1;
  std::deque<std::shared_ptr<Request>> waiting;  // requests in arrival order, without actors
};

// A pooled actor that carries requests, one at a time, from their device's upload to the end.
struct Handler {
  sg4::SemaphorePtr wake = sg4::Semaphore::create(0);
  std::shared_ptr<Request> request;
};

class SimgridRun {
 public:
  SimgridRun(RunSetup& setup, Metrics& metrics, RequestLog& log) : setup_(setup), metrics_(metrics), log_(log) {
    for (int t = 1; t < kTiers; ++t)
      for (const auto& h : setup.platform.hosts(static_cast<Tier>(t))) {
        int workers = t == index(Tier::Edge) ? setup.x.edge_workers : setup.x.cloud_workers;
        servers_[h.host].free_workers = workers;
      }
  }

  void start() {
    for (int d = 0; d < static_cast<int>(setup_.devices.size()); ++d) {
      completions_.push_back(sg4::Semaphore::create(0));
      outstanding_.push_back(0);
      draining_.push_back(false);
      sg4::Actor::create("device", setup_.devices[d]->host, [this, d] { device_loop(d); });
    }
  }

  void record(RequestRecord& rec) {
    rec.finish_s = sg4::Engine::get_clock();
    metrics_.add(rec);
    log_.write(rec);
  }

 private:
  // A device serves its own requests one at a time (its CPU and radio), in arrival order.
  void device_loop(int d) {
    const bool closed_loop = setup_.x.workload.arrival == ArrivalProcess::ClosedLoop;
    const HostInfo& device = *setup_.devices[d];
    double arrival = 0;
    for (long long k = 0; k < setup_.requests_of(d); ++k) {
      const std::uint64_t id = setup_.request_id(d, k);
      const int sample = setup_.sample_for(id);
      arrival = closed_loop ? (k == 0 ? 0.0 : sg4::Engine::get_clock() + setup_.x.workload.think_s)
                            : setup_.open_arrival(d, k, arrival);
      if (arrival > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(arrival);
      auto req = std::make_shared<Request>(Request{RequestRecord{}, Walk(*setup_.walk, sample, id), Step{}});
      req->rec.request = id;
      req->rec.device = d;
      req->rec.sample = sample;
      req->rec.arrival_s = arrival;
      req->step = req->walk.next();
      // Steps on the device itself: its compute, and the upload that leaves it.
      while (req->step.kind != StepKind::Done && req->step.tier == Tier::Mobile) {
        bool leaves = req->step.kind == StepKind::Transfer;
        perform(*req, device);
        if (leaves) break;
      }
      if (req->step.kind == StepKind::Done) {
        finish(*req);
        continue;
      }
      ++outstanding_[d];
      hand_off(req);
      if (closed_loop) completions_[d]->acquire();
    }
    // Handlers are daemons: the device stays until its last request has completed.
    draining_[d] = true;
    if (outstanding_[d] > 0) completions_[d]->acquire();
  }

  void hand_off(std::shared_ptr<Request> req) {
    if (idle_.empty()) {
      auto handler = std::make_shared<Handler>();
      handler->request = std::move(req);
      sg4::Actor::create("handler", sg4::this_actor::get_host(), [this, handler] { handler_loop(*handler); })
          ->daemonize();
      handlers_.push_back(handler);
      return;
    }
    Handler* handler = idle_.back();
    idle_.pop_back();
    handler->request = std::move(req);
    handler->wake->release();
  }

  void handler_loop(Handler& self) {
    while (true) {
      auto req = std::move(self.request);
      if (serve(req)) {
        const int d = req->rec.device;
        // Wake the device only when it waits: after each request in closed loop, at the end otherwise.
        if (--outstanding_[d] == 0 && (closed_loop_ || draining_[d])) completions_[d]->release();
      }
      idle_.push_back(&self);
      self.wake->acquire();
    }
  }

  // The rest of a request after it left its device: server queues, compute, transfers, reply.
  // Returns false when the request had to queue for a worker: it resumes, on whichever handler
  // is free then, when the worker is handed to it.
  bool serve(const std::shared_ptr<Request>& req) {
    const HostInfo& device = *setup_.devices[req->rec.device];
    while (req->step.kind != StepKind::Done) {
      if (req->step.kind == StepKind::Compute) {
        Server& server = servers_.at(setup_.host_for(req->rec.device, req->step.tier).host);
        if (req->held != &server) {
          if (server.free_workers == 0) {
            server.waiting.push_back(req);
            return false;
          }
          --server.free_workers;
          req->held = &server;
        }
      } else if (req->held) {
        release_worker(*req);
      }
      perform(*req, device);
    }
    if (req->held) release_worker(*req);
    finish(*req);
    return true;
  }

  // The worker passes straight to the first request in the server's queue, which resumes.
  void release_worker(Request& req) {
    Server& server = *req.held;
    req.held = nullptr;
    if (server.waiting.empty()) {
      ++server.free_workers;
      return;
    }
    auto next = std::move(server.waiting.front());
    server.waiting.pop_front();
    next->held = &server;
    hand_off(std::move(next));
  }

  // Performs req.step and advances to the next one.
  void perform(Request& req, const HostInfo& device) {
    const Step& step = req.step;
    const double start = sg4::Engine::get_clock();
    if (step.kind == StepKind::Compute) {
      const HostInfo& host = setup_.host_for(req.rec.device, step.tier);
      double flops = setup_.compute_seconds(host, step, req.rec.request, req.walk.compute_steps()) * host.speed;
      // Host::execute would run on the calling actor's host: place the exec explicitly.
      if (flops > 0) sg4::Exec::init()->set_flops_amount(flops)->set_host(host.host)->wait();
      setup_.charge_compute(req.rec, host, step, sg4::Engine::get_clock() - start);
    } else {
      const HostInfo& from = setup_.host_for(req.rec.device, step.tier);
      const HostInfo& to = setup_.host_for(req.rec.device, step.to);
      sg4::Comm::sendto(from.host, to.host, static_cast<std::uint64_t>(step.bytes));
      setup_.charge_transfer(req.rec, device, step, sg4::Engine::get_clock() - start);
    }
    req.step = req.walk.next();
  }

  void finish(Request& req) {
    setup_.finish_record(req.rec, req.step);
    req.rec.decisions = req.walk.decisions();
    record(req.rec);
  }

  RunSetup& setup_;
  Metrics& metrics_;
  RequestLog& log_;
  std::map<const sg4::Host*, Server> servers_;
  const bool closed_loop_ = setup_.x.workload.arrival == ArrivalProcess::ClosedLoop;
  std::vector<sg4::SemaphorePtr> completions_;  // per device: released when the device waits for its requests
  std::vector<long long> outstanding_;          // per device: handed off, not yet complete
  std::vector<bool> draining_;                  // per device: all requests issued
  std::vector<std::shared_ptr<Handler>> handlers_;
  std::vector<Handler*> idle_;
};

// Energy above idle measured by SimGrid's host energy plugin, per tier, over the whole run,
// for the hosts this run used. The plugin's total includes idle power over the whole run:
// a difference below 1e-9 of that idle energy is rounding, not work, and counts as 0.
std::array<double, kTiers> measured_host_busy_energy(const RunSetup& setup) {
  std::vector<const HostInfo*> used;  // in a fixed order, so that the sums are reproducible
  for (const auto& hosts : setup.device_hosts)
    for (const HostInfo* h : hosts)
      if (h && h->has_power) used.push_back(h);
  std::sort(used.begin(), used.end(), [](auto* a, auto* b) { return std::tie(a->role, a->name) < std::tie(b->role, b->name); });
  used.erase(std::unique(used.begin(), used.end()), used.end());
  std::array<double, kTiers> joules{};
  const double now = sg4::Engine::get_clock();
  for (const HostInfo* h : used) {
    const double idle = h->idle_w * now, busy = sg_host_get_consumed_energy(h->host) - idle;
    if (std::abs(busy) > 1e-9 * idle) joules[index(h->role)] += busy;
  }
  return joules;
}

}  // namespace

void run_simgrid(RunSetup& setup, Metrics& metrics, RequestLog& log) {
  SimgridRun run(setup, metrics, log);
  run.start();
  setup.session.engine().run();
  metrics.set_host_busy_energy(measured_host_busy_energy(setup));
  if (setup.platform.has_link_energy()) {
    double joules = 0;
    for (auto* link : setup.session.engine().get_all_links()) joules += sg_link_get_consumed_energy(link);
    metrics.set_network_energy(joules);
  }
}

}  // namespace tiersim
