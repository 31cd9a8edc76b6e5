// On/off arrivals: a Markov-modulated Poisson process with two states per device (MMPP-2).
// In the "on" state requests arrive at rate_on_hz, in the "off" state at rate_off_hz (default
// 0: an interrupted Poisson process); the states last exponential times of means mean_on_s and
// mean_off_s. Each device starts in a state drawn from the stationary distribution, so the
// process is stationary from time 0. Mean rate per device:
//   (rate_on * mean_on + rate_off * mean_off) / (mean_on + mean_off);
// with rate_off = 0 the gaps have squared coefficient of variation 1 + 2 rate_on w1 / (w1 + w2)^2
// (w1 = 1 / mean_on, w2 = 1 / mean_off: Fischer & Meier-Hellstern, "The Markov-modulated Poisson
// process (MMPP) cookbook", Performance Evaluation 18, 1993), against 1 for Poisson.
#include <limits>
#include <vector>

#include "model/arrivals/arrival.hpp"
#include "core/rng.hpp"

namespace tiersim {

namespace {

class OnOff final : public ArrivalProcess {
 public:
  struct Params {
    double rate_on_hz, rate_off_hz, mean_on_s, mean_off_s;
  };
  OnOff(const ArrivalContext& c, Params p) : ArrivalProcess(c), seed_(c.seed), p_(p), state_(static_cast<std::size_t>(c.devices)) {}

  double arrival(int device, long long k, double previous) override {
    DeviceState& s = state_[static_cast<std::size_t>(device)];
    if (k == 0) {  // a stationary start: on with probability mean_on / (mean_on + mean_off)
      s.on = draw(device, s) < p_.mean_on_s / (p_.mean_on_s + p_.mean_off_s);
      s.phase_end = exponential(device, s, s.on ? p_.mean_on_s : p_.mean_off_s);
    }
    double t = previous;
    while (true) {
      const double rate = s.on ? p_.rate_on_hz : p_.rate_off_hz;
      const double gap = rate > 0 ? exponential(device, s, 1.0 / rate) : std::numeric_limits<double>::infinity();
      if (t + gap < s.phase_end) return t + gap;
      t = s.phase_end;  // memoryless: the next state's draw starts afresh at its beginning
      s.on = !s.on;
      s.phase_end = t + exponential(device, s, s.on ? p_.mean_on_s : p_.mean_off_s);
    }
  }

 private:
  struct DeviceState {
    bool on = false;
    double phase_end = 0;
    std::uint64_t draws = 0;  // counter of this device's random draws
  };
  double draw(int device, DeviceState& s) const {
    return uniform01(seed_, kStreamArrival + static_cast<std::uint64_t>(device), s.draws++);
  }
  double exponential(int device, DeviceState& s, double mean) const { return -std::log(draw(device, s)) * mean; }

  std::uint64_t seed_;
  Params p_;
  std::vector<DeviceState> state_;
};

const ArrivalProcesses::Registrar kOnOff{
    {"onoff", "bursty: Poisson at rate_on_hz / rate_off_hz (default 0) in on / off states of mean_on_s / mean_off_s",
     [](JsonReader& p, const ArrivalContext& c) {
       OnOff::Params params{p.at("rate_on_hz").number_in(1e-12, 1e12),
                            p.has("rate_off_hz") ? p.at("rate_off_hz").number_in(0, 1e12) : 0.0,
                            p.at("mean_on_s").number_in(1e-12, 1e12), p.at("mean_off_s").number_in(1e-12, 1e12)};
       return std::make_unique<OnOff>(c, params);
     }}};

}  // namespace

}  // namespace tiersim
