// wifi_psm: WiFi with power-save mode. A transfer that starts while the radio sleeps wakes it
// (promotion_s at promotion_w); while data moves the radio draws tx_w / rx_w per second and/or
// the throughput-linear alpha x Mb/s + beta of Huang et al. (MobiSys 2012, Table 4); after the
// last packet it listens idle for tail_s at tail_w (the PSM timeout), then sleeps, waking for
// beacon_s at beacon_w every beacon_period_s. Parameters of the shipped WiFi platform and their
// sources: platforms/wifi_edge_cloud.xml.
#include <fmt/format.h>

#include "model/radio/radio.hpp"

namespace tiersim {

namespace {

double optional_param(JsonReader& p, const std::string& key) { return p.has(key) ? radio_param(p, key) : 0.0; }

RadioProfile read_wifi_psm(JsonReader& p) {
  RadioProfile r;
  r.promotion_s = radio_param(p, "promotion_s");
  r.promotion_w = radio_param(p, "promotion_w");
  // Active power: per second (tx_w, rx_w), throughput-linear (alpha_*, beta_w), or both.
  r.tx_w = optional_param(p, "tx_w");
  r.rx_w = optional_param(p, "rx_w");
  r.alpha_up_w_per_mbps = optional_param(p, "alpha_up_w_per_mbps");
  r.alpha_down_w_per_mbps = optional_param(p, "alpha_down_w_per_mbps");
  r.active_base_w = optional_param(p, "beta_w");
  if (!p.has("tx_w") && !p.has("rx_w") && !p.has("alpha_up_w_per_mbps") && !p.has("beta_w"))
    p.fail("the active power: tx_w and rx_w (W while a transfer is active), or alpha_up_w_per_mbps, "
           "alpha_down_w_per_mbps and beta_w (Huang et al.'s linear model)");
  r.tail = {{radio_param(p, "tail_s"), radio_param(p, "tail_w")}};
  const double beacon_w = radio_param(p, "beacon_w");
  const double beacon_s = radio_param(p, "beacon_s");
  const double period = radio_param(p, "beacon_period_s", true);
  if (beacon_s > period) p.at("beacon_s").fail(fmt::format("a wake-up no longer than beacon_period_s, got {}", beacon_s));
  r.idle_w = beacon_w * beacon_s / period;
  return r;
}

const RadioModels::Registrar kWifiPsm{
    {"wifi_psm",
     "WiFi power-save mode: wake-up, active power, idle-listening tail (PSM timeout), sleep with beacon wake-ups",
     read_wifi_psm}};

}  // namespace

}  // namespace tiersim
