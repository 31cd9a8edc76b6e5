#include "model/radio/radio.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tiersim {

double RadioProfile::tail_s() const {
  double s = 0;
  for (const TailPhase& p : tail) s += p.seconds;
  return s;
}

double RadioProfile::tail_j(double seconds) const {
  double joules = 0;
  for (const TailPhase& p : tail) {
    if (seconds <= 0) break;
    const double in_phase = std::min(seconds, p.seconds);
    joules += in_phase * p.watts;
    seconds -= in_phase;
  }
  return joules;
}

double RadioProfile::transfer_j(double bytes, bool up, double seconds) const {
  const double megabits = bytes * 8e-6;
  return up ? tx_w * seconds + alpha_up_w_per_mbps * megabits : rx_w * seconds + alpha_down_w_per_mbps * megabits;
}

RadioProfile read_radio_model(const std::string& model, JsonReader params, const std::string& where) {
  const RadioModelInfo& info = RadioModels::find(model, where, "radio model");
  if (params.is_null()) params = JsonReader(json::object(), params.file(), params.path());
  RadioProfile profile = info.read(params);
  params.reject_unknown_keys();
  profile.model = info.name;
  return profile;
}

double radio_param(JsonReader& params, const std::string& key, bool positive) {
  const double v = params.at(key).number();
  if (positive ? v <= 0 : v < 0)
    params.at(key).fail(fmt::format("a number {} 0, got {}", positive ? ">" : ">=", v));
  return v;
}

}  // namespace tiersim
