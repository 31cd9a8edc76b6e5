#pragma once
// Arrival processes: when each device's requests arrive. One file per process in this folder,
// registered by name; `workload.arrival` is {"process": NAME, ...its parameters}, read strictly
// (unknown keys rejected). Both engines ask a device's arrivals in order, k = 0, 1, ..., so a
// process may keep per-device state (it is made anew for every run). See README.md here.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/json_reader.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"

namespace tiersim {

// What a process may depend on, besides its parameters.
struct ArrivalContext {
  int devices = 1;
  long long requests = 1;  // workload.requests: in total, over all devices
  std::uint64_t seed = 1;
  std::string base_dir;  // the config's folder: relative file names are resolved against it
};

class ArrivalProcess {
 public:
  explicit ArrivalProcess(const ArrivalContext& context) : devices_(context.devices), requests_(context.requests) {}
  virtual ~ArrivalProcess() = default;

  // Closed loop: a device's next request follows the end of its previous one (the engine passes
  // that end as `previous`). Open loop: arrivals do not depend on the system.
  virtual bool closed_loop() const { return false; }
  // When device d's k-th request arrives. Open loop: `previous` is its (k-1)-th arrival (0 for
  // k = 0); closed loop: when its (k-1)-th request ended. Called for k = 0, 1, ... in order.
  virtual double arrival(int device, long long k, double previous) = 0;
  // How many requests device d sends, and their ids (ids pick the trace samples). Default:
  // workload.requests dealt round-robin: device d sends requests d, d + D, d + 2D, ...
  virtual long long requests_of(int device) const { return (requests_ - device + devices_ - 1) / devices_; }
  virtual std::uint64_t request_id(int device, long long k) const {
    return static_cast<std::uint64_t>(device + k * static_cast<long long>(devices_));
  }

 protected:
  int devices_;
  long long requests_;
};

// An open-loop process with a per-device rate (`rate_hz`) and seeded draws.
class RateArrivals : public ArrivalProcess {
 public:
  RateArrivals(const ArrivalContext& c, JsonReader& params)
      : ArrivalProcess(c), seed_(c.seed), rate_hz_(params.at("rate_hz").number_in(1e-12, 1e12)) {}

 protected:
  std::uint64_t stream(int device) const { return kStreamArrival + static_cast<std::uint64_t>(device); }
  std::uint64_t seed_;
  double rate_hz_;
};

struct ArrivalInfo {
  std::string name, summary;
  // Reads the process's parameters from `params` (the workload.arrival object).
  std::function<std::unique_ptr<ArrivalProcess>(JsonReader& params, const ArrivalContext&)> make;
};

using ArrivalProcesses = Registry<ArrivalInfo>;

// Builds the process named by `arrival`'s "process" key; unknown names and parameters throw
// InputError with the JSON path.
std::unique_ptr<ArrivalProcess> make_arrival_process(JsonReader arrival, const ArrivalContext& context);

}  // namespace tiersim
