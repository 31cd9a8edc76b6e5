#include "model/device_power.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/error.hpp"

namespace tiersim {

namespace {

// The radio of one mobile host as its properties state it.
RadioProfile host_radio(const HostInfo& host, const std::string& platform_path) {
  const std::string where = fmt::format("{}: host {}", platform_path, host.name);
  const auto* props = host.properties;
  std::string model;
  json params = json::object();
  bool legacy = false;
  if (props)
    for (const auto& [key, value] : *props) {
      if (key == "radio")
        model = value;
      else if (key.rfind("radio.", 0) == 0)
        params[key.substr(6)] = host_property_number(platform_path, host.name, key, value);
      else if (key == "radio_tx_w" || key == "radio_rx_w")
        legacy = true;
    }
  if (model.empty()) {
    if (!params.empty())
      throw InputError(fmt::format("{}: property radio: expected the radio model's name (the host has radio.{} and "
                                   "other radio.* properties)", where, params.begin().key()));
    const json legacy_params = {{"tx_w", host.radio_tx_w}, {"rx_w", host.radio_rx_w}};
    return read_radio_model("constant", JsonReader(legacy_params, where, "radio", '.'), where + ": property radio");
  }
  if (legacy)
    throw InputError(fmt::format("{}: properties radio_tx_w and radio_rx_w: expected none with radio=\"{}\" (give "
                                 "the model's parameters as radio.NAME properties)", where, model));
  return read_radio_model(model, JsonReader(params, where, "radio", '.'), where + ": property radio");
}

double host_battery(const HostInfo& host, const std::string& platform_path) {
  const std::string where = fmt::format("{}: host {}", platform_path, host.name);
  auto prop = [&](const char* key) { return host_property(host.properties, key); };
  if (const char* j = prop("battery_j")) return host_property_number(platform_path, host.name, "battery_j", j, true);
  const char* mah = prop("battery_mah");
  const char* volts = prop("battery_v");
  if (!mah && !volts) return std::numeric_limits<double>::quiet_NaN();
  if (!mah || !volts)
    throw InputError(fmt::format("{}: property {}: expected battery_mah and battery_v together (or battery_j)", where,
                                 mah ? "battery_v" : "battery_mah"));
  // mAh x V = mWh; x 3.6 = J.
  return host_property_number(platform_path, host.name, "battery_mah", mah, true) *
         host_property_number(platform_path, host.name, "battery_v", volts, true) * 3.6;
}

}  // namespace

DevicePower::DevicePower(const Platform& platform, int devices, const AccountingConfig& config) {
  const auto& hosts = platform.hosts(Tier::Mobile);
  // Devices with equal parameters share a profile (a platform has a few distinct radios).
  auto intern = [&](RadioProfile profile) {
    const auto it = std::find(profiles_.begin(), profiles_.end(), profile);
    if (it != profiles_.end()) return static_cast<std::size_t>(it - profiles_.begin());
    profiles_.push_back(std::move(profile));
    return profiles_.size() - 1;
  };
  for (int d = 0; d < devices; ++d) {
    const HostInfo& host = hosts[static_cast<std::size_t>(d)];
    radio_of_.push_back(config.radio ? intern(*config.radio) : intern(host_radio(host, platform.path())));
    battery_.push_back(config.battery_j ? *config.battery_j : host_battery(host, platform.path()));
    has_battery_ = has_battery_ || !std::isnan(battery_.back());
  }
  if (!has_battery_) return;
  std::size_t with = 0;
  while (std::isnan(battery_[with])) ++with;
  for (std::size_t d = 0; d < battery_.size(); ++d)
    if (std::isnan(battery_[d]))
      throw InputError(fmt::format("{}: host {}: property battery_j: expected a battery on every device when one has "
                                   "one (host {} has one)", platform.path(), hosts[d].name, hosts[with].name));
}

std::string DevicePower::radio_models() const {
  std::set<std::string> names;
  for (const auto& p : profiles_) names.insert(p.model);
  return fmt::format("{}", fmt::join(names, "+"));
}

}  // namespace tiersim
