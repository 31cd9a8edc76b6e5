#pragma once
// Accounting: what a request is charged for each step it takes (compute energy by MACs, host
// busy energy, radio energy, bytes sent, abstract cost units) and how its record is closed.
// Both engines charge through here, so the two price a step identically.
#include <array>
#include <optional>

#include "core/energy.hpp"
#include "io/platform.hpp"
#include "io/profile.hpp"
#include "io/trace.hpp"
#include "model/metrics.hpp"
#include "model/radio/radio.hpp"
#include "model/walk.hpp"

namespace tiersim {

// Costs in abstract units (DIMEC-DC): lambda per layer run on a tier, o per offload (each
// transfer to a higher tier).
struct CostUnits {
  bool enabled = false;
  std::array<double, 3> lambda{1, 1, 1};  // mobile, edge, cloud
  double offload = 0;
};

// Where the headline's compute energy comes from: MACs x pJ/MAC (the 45 nm table), or the
// platform's host power states (busy power above idle while computing).
enum class ComputeEnergy { Macs, HostPower };

// The `energy` and `cost` sections of a config, parsed and checked (batch/config.cpp).
struct AccountingConfig {
  MacEnergyTable mac_energy = MacEnergyTable::defaults_45nm();
  CostUnits cost;
  ComputeEnergy compute = ComputeEnergy::Macs;
  // Idle power of servers / devices over the run, shared over its inferences, in the headline.
  // Unset: servers shared with host_power, excluded with macs; devices excluded.
  std::optional<bool> server_idle_shared, device_idle_shared;
  std::optional<RadioProfile> radio;      // energy.radio: every device's radio (else the platform's)
  std::optional<double> battery_j;        // energy.battery: every device's battery (else the platform's)
  bool server_idle() const { return server_idle_shared.value_or(compute == ComputeEnergy::HostPower); }
  bool device_idle() const { return device_idle_shared.value_or(false); }
};

class Accounting {
 public:
  Accounting(const AccountingConfig& config, const Trace& trace, const ModelProfile& profile)
      : config_(config), trace_(trace), profile_(profile) {}

  // A compute step of `seconds` on `host`: MAC energy, the host's busy power, cost units.
  void charge_compute(RequestRecord& rec, const HostInfo& host, const Step& step, double seconds) const;
  // A transfer step: the radio energy its device's RadioLedger charged it (0 between servers),
  // bytes up, offload cost.
  void charge_transfer(RequestRecord& rec, const Step& step, double radio_j) const;
  // The request ended at `done`: its exit, tier, label and whether the answer was right.
  void finish_record(RequestRecord& rec, const Step& done) const;
  // A server dropped the request (or it was lost to a failure): it is answered by the deepest
  // exit already computed on the device if there is one (not after a failure: the device
  // does not know in time), else it is lost.
  void drop_record(RequestRecord& rec, const Walk& walk, bool lost_to_failure = false) const;
  const AccountingConfig& config() const { return config_; }
  // What the policy learns from a finished record (Policy::observe).
  RequestOutcome outcome(const RequestRecord& rec) const;
  // An empty accumulator for this run (reference energies, which metrics are reported).
  Metrics new_metrics() const;

 private:
  AccountingConfig config_;
  const Trace& trace_;
  const ModelProfile& profile_;
};

}  // namespace tiersim
