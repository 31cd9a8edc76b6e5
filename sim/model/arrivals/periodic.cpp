// Periodic arrivals: every 1 / rate_hz per device, each device from a random phase so that
// devices are not synchronised.
#include "model/arrivals/arrival.hpp"

namespace tiersim {

namespace {

class Periodic final : public RateArrivals {
 public:
  using RateArrivals::RateArrivals;
  double arrival(int device, long long k, double) override {
    return (uniform01(seed_, stream(device), 0) + static_cast<double>(k)) / rate_hz_;
  }
};

const ArrivalProcesses::Registrar kPeriodic{{"periodic", "rate_hz per device, a random phase per device",
                                             [](JsonReader& p, const ArrivalContext& c) { return std::make_unique<Periodic>(c, p); }}};

}  // namespace

}  // namespace tiersim
