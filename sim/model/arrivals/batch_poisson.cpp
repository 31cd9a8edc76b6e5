// Batch Poisson arrivals (a compound Poisson process): batches arrive with exponential gaps of
// mean 1 / rate_hz, each of Poisson(batch_mean) requests, all at the batch's instant (empty
// batches bring nothing). Mean rate per device: rate_hz * batch_mean. It is the arrival model of
// AdaEE's buffer simulation (Div290/Buffer_based_threshold, simulation.py: every exponential
// gap brings poisson.rvs(lambda) samples, with the same lambda for both).
#include <cmath>
#include <vector>

#include "core/rng.hpp"
#include "model/arrivals/arrival.hpp"

namespace tiersim {

namespace {

class BatchPoisson final : public ArrivalProcess {
 public:
  BatchPoisson(const ArrivalContext& c, double rate_hz, double batch_mean)
      : ArrivalProcess(c), seed_(c.seed), rate_hz_(rate_hz), batch_mean_(batch_mean), state_(static_cast<std::size_t>(c.devices)) {}

  double arrival(int device, long long, double) override {
    DeviceState& s = state_[static_cast<std::size_t>(device)];
    while (s.left == 0) {
      s.batch_at += -std::log(draw(device, s)) / rate_hz_;
      s.left = poisson(device, s);
    }
    --s.left;
    return s.batch_at;
  }

 private:
  struct DeviceState {
    double batch_at = 0;
    long long left = 0;       // requests of the current batch not yet handed out
    std::uint64_t draws = 0;  // counter of this device's random draws
  };
  double draw(int device, DeviceState& s) const {
    return uniform01(seed_, kStreamArrival + static_cast<std::uint64_t>(device), s.draws++);
  }
  // Poisson(batch_mean) by inversion of its CDF (one uniform draw); batch_mean is at most 100 (e^-100 is still a normal double).
  long long poisson(int device, DeviceState& s) const {
    const double u = draw(device, s);
    double p = std::exp(-batch_mean_), cdf = p;
    long long n = 0;
    while (u > cdf && n < 100000) {
      p *= batch_mean_ / static_cast<double>(++n);
      cdf += p;
      if (p == 0 && n > batch_mean_) break;  // the tail underflowed: u sits in rounding
    }
    return n;
  }

  std::uint64_t seed_;
  double rate_hz_, batch_mean_;
  std::vector<DeviceState> state_;
};

const ArrivalProcesses::Registrar kBatchPoisson{
    {"batch_poisson", "batches at rate_hz per device (exponential gaps), Poisson(batch_mean) requests each",
     [](JsonReader& p, const ArrivalContext& c) {
       const double rate = p.at("rate_hz").number_in(1e-12, 1e12);
       const double batch = p.at("batch_mean").number_in(1e-6, 100);
       return std::make_unique<BatchPoisson>(c, rate, batch);
     }}};

}  // namespace

}  // namespace tiersim
