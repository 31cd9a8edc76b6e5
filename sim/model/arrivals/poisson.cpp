// Poisson arrivals: exponential gaps of mean 1 / rate_hz per device, independent across devices.
#include "model/arrivals/arrival.hpp"

namespace tiersim {

namespace {

class Poisson final : public RateArrivals {
 public:
  using RateArrivals::RateArrivals;
  double arrival(int device, long long k, double previous) override {
    return previous + exponential1(seed_, stream(device), static_cast<std::uint64_t>(k)) / rate_hz_;
  }
};

const ArrivalProcesses::Registrar kPoisson{{"poisson", "rate_hz per device, exponential gaps",
                                            [](JsonReader& p, const ArrivalContext& c) { return std::make_unique<Poisson>(c, p); }}};

}  // namespace

}  // namespace tiersim
