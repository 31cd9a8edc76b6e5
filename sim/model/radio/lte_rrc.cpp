// lte_rrc: the LTE radio resource control state machine and power model of Huang et al., "A
// Close Examination of Performance and Power Characteristics of 4G LTE Networks", MobiSys 2012
// (their Tables 3 and 4; the parameters of a measured network are in platforms/lte_edge_cloud.xml).
//
//   RRC_IDLE --promotion (promotion_s at promotion_w)--> RRC_CONNECTED
//   while data moves:  P = alpha_up x uplink Mb/s + alpha_down x downlink Mb/s + beta
//   after the last packet: continuous reception for inactivity_s (the receiver on: drx_on_w),
//   short DRX for short_drx_s, then long DRX until tail_s after the last packet (the RRC
//   inactivity timer), then RRC_IDLE. A DRX phase draws tail_base_w plus, for drx_on_s of each
//   cycle, drx_on_w: its mean power tail_base_w + (drx_on_w - tail_base_w) x drx_on_s / cycle.
//   RRC_IDLE draws idle_drx_on_w for idle_drx_on_s of each idle_drx_cycle_s (paging).
#include <fmt/format.h>

#include "model/radio/radio.hpp"

namespace tiersim {

namespace {

RadioProfile read_lte_rrc(JsonReader& p) {
  RadioProfile r;
  r.promotion_s = radio_param(p, "promotion_s");
  r.promotion_w = radio_param(p, "promotion_w");
  r.alpha_up_w_per_mbps = radio_param(p, "alpha_up_w_per_mbps");
  r.alpha_down_w_per_mbps = radio_param(p, "alpha_down_w_per_mbps");
  r.active_base_w = radio_param(p, "beta_w");
  const double inactivity = radio_param(p, "inactivity_s");
  const double short_drx = radio_param(p, "short_drx_s");
  const double tail = radio_param(p, "tail_s");
  const double base = radio_param(p, "tail_base_w");
  const double on_w = radio_param(p, "drx_on_w");
  const double on_s = radio_param(p, "drx_on_s");
  const double short_cycle = radio_param(p, "short_drx_cycle_s", true);
  const double long_cycle = radio_param(p, "long_drx_cycle_s", true);
  const double idle_on_w = radio_param(p, "idle_drx_on_w");
  const double idle_on_s = radio_param(p, "idle_drx_on_s");
  const double idle_cycle = radio_param(p, "idle_drx_cycle_s", true);
  if (inactivity + short_drx > tail)
    p.at("tail_s").fail(fmt::format("a tail at least inactivity_s + short_drx_s = {:.6g} s long, got {:.6g}", inactivity + short_drx, tail));
  if (on_s > short_cycle || on_s > long_cycle)
    p.at("drx_on_s").fail(fmt::format("an on-duration no longer than the DRX cycles, got {}", on_s));
  if (idle_on_s > idle_cycle)
    p.at("idle_drx_on_s").fail(fmt::format("an on-duration no longer than idle_drx_cycle_s, got {}", idle_on_s));
  auto drx_mean = [&](double cycle) { return base + (on_w - base) * on_s / cycle; };
  r.tail = {{inactivity, on_w}, {short_drx, drx_mean(short_cycle)}, {tail - inactivity - short_drx, drx_mean(long_cycle)}};
  r.idle_w = idle_on_w * idle_on_s / idle_cycle;
  return r;
}

const RadioModels::Registrar kLteRrc{
    {"lte_rrc",
     "LTE RRC (Huang et al., MobiSys 2012): promotion, throughput-linear power, continuous reception then short and "
     "long DRX tail until the RRC inactivity timer, paging idle",
     read_lte_rrc}};

}  // namespace

}  // namespace tiersim
