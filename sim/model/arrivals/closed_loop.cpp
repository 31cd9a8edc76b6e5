// Closed loop: each device sends its next request think_s after its previous one ended (the
// first at time 0), so the offered load adapts to the system's speed.
#include "model/arrivals/arrival.hpp"

namespace tiersim {

namespace {

class ClosedLoop final : public ArrivalProcess {
 public:
  ClosedLoop(const ArrivalContext& c, double think_s) : ArrivalProcess(c), think_s_(think_s) {}
  bool closed_loop() const override { return true; }
  double arrival(int, long long k, double previous_end) override { return k == 0 ? 0.0 : previous_end + think_s_; }

 private:
  double think_s_;
};

const ArrivalProcesses::Registrar kClosedLoop{
    {"closed_loop", "next request think_s (default 0) after the previous one ended",
     [](JsonReader& p, const ArrivalContext& c) {
       return std::make_unique<ClosedLoop>(c, p.has("think_s") ? p.at("think_s").number_in(0, 1e12) : 0.0);
     }}};

}  // namespace

}  // namespace tiersim
