#pragma once
// Accounting: what a request is charged for each step it takes (compute energy by MACs, host
// busy energy, radio energy, bytes sent, abstract cost units) and how its record is closed.
// Both engines charge through here, so the two price a step identically.
#include <array>

#include "core/energy.hpp"
#include "io/platform.hpp"
#include "io/profile.hpp"
#include "io/trace.hpp"
#include "model/metrics.hpp"
#include "model/walk.hpp"

namespace tiersim {

// Costs in abstract units (DIMEC-DC): lambda per layer run on a tier, o per offload (each
// transfer to a higher tier).
struct CostUnits {
  bool enabled = false;
  std::array<double, 3> lambda{1, 1, 1};  // mobile, edge, cloud
  double offload = 0;
};

// The `energy` and `cost` sections of a config, parsed and checked (batch/config.cpp).
struct AccountingConfig {
  MacEnergyTable mac_energy = MacEnergyTable::defaults_45nm();
  CostUnits cost;
};

class Accounting {
 public:
  Accounting(const AccountingConfig& config, const Trace& trace, const ModelProfile& profile)
      : config_(config), trace_(trace), profile_(profile) {}

  // A compute step of `seconds` on `host`: MAC energy, the host's busy power, cost units.
  void charge_compute(RequestRecord& rec, const HostInfo& host, const Step& step, double seconds) const;
  // A transfer step of `seconds` to or from `device`: radio energy, bytes up, offload cost.
  void charge_transfer(RequestRecord& rec, const HostInfo& device, const Step& step, double seconds) const;
  // The request ended at `done`: its exit, tier, label and whether the answer was right.
  void finish_record(RequestRecord& rec, const Step& done) const;
  // A server dropped the request (or it was lost to a failure): it is answered by the deepest
  // exit already computed on the device if there is one (not after a failure: the device
  // does not know in time), else it is lost.
  void drop_record(RequestRecord& rec, const Walk& walk, bool lost_to_failure = false) const;
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
