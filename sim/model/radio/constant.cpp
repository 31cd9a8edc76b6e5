// constant: radio power x the time each transfer is active (tiersim's model before radio state
// machines; kept for comparison). No promotion, no tail, no idle power; transfers of one device
// that overlap each pay their full power.
#include "model/radio/radio.hpp"

namespace tiersim {

namespace {

RadioProfile read_constant(JsonReader& p) {
  RadioProfile r;
  r.tx_w = radio_param(p, "tx_w");
  r.rx_w = radio_param(p, "rx_w");
  return r;
}

const RadioModels::Registrar kConstant{
    {"constant", "power x active time per transfer (tx_w, rx_w); no promotion, tail or idle power", read_constant}};

}  // namespace

}  // namespace tiersim
