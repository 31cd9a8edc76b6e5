#pragma once
// The workload of a run: which requests arrive when, which trace sample each one carries, and
// how long a server takes for it (the service-time model). Built per run from its config
// section; engines ask it and never read the config.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/profile.hpp"
#include "io/trace.hpp"
#include "model/arrivals/arrival.hpp"

namespace tiersim {

struct HostInfo;
struct Step;

enum class ServiceTime { Deterministic, Exponential };

// The `workload` section of a config, parsed and checked (batch/config.cpp).
struct WorkloadConfig {
  int devices = 1;
  long long requests = 1000;  // in total, spread round-robin over the devices
  // {"process": name, ...parameters}: checked when parsed, built per run (model/arrivals/).
  nlohmann::json arrival = {{"process", "poisson"}, {"rate_hz", 1.0}};
  bool shuffle = true;        // samples in a seeded random order (else trace order)
  std::string split;          // only samples of this split ("" = all)
  double result_bytes = 64;   // size of the answer sent back to the device
  ServiceTime service = ServiceTime::Deterministic;  // server compute: as profiled, or Exp(mean = profiled)
  double deadline_s = 0;      // > 0: a request answered later than this after its arrival violates the SLO
  bool drop_expired = false;  // servers drop a request past its deadline when a worker would take it
};

class Workload {
 public:
  // `where` names the config for error messages; `base_dir` is the folder relative paths of
  // the arrival process (a timestamp file) are read from.
  Workload(const WorkloadConfig& config, const Trace& trace, std::uint64_t seed, const std::string& where,
           const std::string& base_dir);

  int devices() const { return config_.devices; }
  double result_bytes() const { return config_.result_bytes; }
  double deadline_s() const { return config_.deadline_s; }
  bool drop_expired() const { return config_.drop_expired; }
  // Requests of device d are d, d + D, d + 2D, ... below the total (as the arrival process says).
  long long requests_of(int device) const { return arrivals_->requests_of(device); }
  std::uint64_t request_id(int device, long long k) const { return arrivals_->request_id(device, k); }
  // The trace row request `request` carries (the sample order cycled).
  int sample_for(std::uint64_t request) const { return sample_order_[request % sample_order_.size()]; }
  ArrivalProcess& arrivals() { return *arrivals_; }
  // Seconds a compute step takes on one core of `host`: its MACs at the host's speed, times
  // an Exp(1) draw on a server when service times are exponential.
  double compute_seconds(const HostInfo& host, const Step& step, std::uint64_t request, int compute_step) const;

 private:
  WorkloadConfig config_;
  std::uint64_t seed_;
  std::vector<int> sample_order_;            // trace rows used, in request order (cycled)
  std::unique_ptr<ArrivalProcess> arrivals_;  // made anew for each run: it may keep per-device state
};

}  // namespace tiersim
