#pragma once
// What each device's energy depends on besides its compute: its radio model and its battery.
// From the platform (a mobile host's `radio` and `radio.NAME` properties, `battery_j` or
// `battery_mah` and `battery_v`), or for every device from the config (energy.radio,
// energy.battery), which wins. A host without `radio` keeps tiersim's `constant` model with its
// radio_tx_w / radio_rx_w. Devices with the same parameters share one RadioProfile.
#include <string>
#include <vector>

#include "io/platform.hpp"
#include "model/accounting.hpp"
#include "model/radio/radio.hpp"

namespace tiersim {

class DevicePower {
 public:
  // The first `devices` mobile hosts.
  DevicePower(const Platform& platform, int devices, const AccountingConfig& config);

  const RadioProfile& radio(int device) const { return profiles_[radio_of_[static_cast<std::size_t>(device)]]; }
  // Joules the device's battery holds; NaN when none is given.
  double battery_j(int device) const { return battery_[static_cast<std::size_t>(device)]; }
  bool has_battery() const { return has_battery_; }
  // The radio model(s) in use, for the summary: "lte_rrc", or "constant+lte_rrc" when mixed.
  std::string radio_models() const;

 private:
  std::vector<RadioProfile> profiles_;
  std::vector<std::size_t> radio_of_;
  std::vector<double> battery_;
  bool has_battery_ = false;
};

}  // namespace tiersim
