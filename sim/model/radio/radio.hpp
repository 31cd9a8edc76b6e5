#pragma once
// Radio models: what a device's radio draws around its transfers. A model is one file in this
// folder, registered by name, that reads its parameters (strictly, unknown keys rejected) into a
// RadioProfile: power while transfers are active, a promotion paid when a transfer starts from
// idle, a tail of timed power phases after the last transfer ends, and an idle power. One
// RadioLedger per device (ledger.hpp) turns a device's transfers into energies with these rules,
// in both engines. The model is chosen per mobile host in the platform (property `radio` and its
// parameters as `radio.NAME` properties) or for every device by the config (energy.radio).
// See README.md here.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.hpp"
#include "core/registry.hpp"

namespace tiersim {

// `seconds` at `watts` (a tail phase; DRX phases are the cycle's mean power).
struct TailPhase {
  double seconds = 0;
  double watts = 0;
  bool operator==(const TailPhase&) const = default;
};

struct RadioProfile {
  std::string model;  // registered name
  // Power of each transfer while it is active, per second: sending, receiving (`constant`).
  double tx_w = 0, rx_w = 0;
  // Throughput-proportional power (W per Mb/s): over a transfer it integrates to alpha x megabits.
  double alpha_up_w_per_mbps = 0, alpha_down_w_per_mbps = 0;
  // Power while at least one transfer is active, whatever their number: shared equally by the
  // transfers active at each instant (Huang et al.'s beta).
  double active_base_w = 0;
  // Promotion from idle to connected, paid by a transfer that starts while the radio is idle.
  double promotion_s = 0, promotion_w = 0;
  // After the last active transfer ends, in order; the radio is idle after the last phase.
  std::vector<TailPhase> tail;
  double idle_w = 0;  // mean power while idle (paging or beacon wake-ups)

  double tail_s() const;
  // Energy of the first `seconds` of the tail (all of it beyond tail_s()).
  double tail_j(double seconds) const;
  double promotion_j() const { return promotion_s * promotion_w; }
  // A transfer's own energy: `bytes` up (to a server) or down over `seconds` (its share of
  // active_base_w is the ledger's).
  double transfer_j(double bytes, bool up, double seconds) const;
  bool operator==(const RadioProfile&) const = default;
};

struct RadioModelInfo {
  std::string name, summary;
  // Reads the model's parameters (an object); throws InputError naming the path.
  std::function<RadioProfile(JsonReader& params)> read;
};

using RadioModels = Registry<RadioModelInfo>;

// The profile of `model` with `params`, read strictly. `where` names the model's name in errors.
RadioProfile read_radio_model(const std::string& model, JsonReader params, const std::string& where);

// A parameter: a number >= 0 (or > 0 when `positive`).
double radio_param(JsonReader& params, const std::string& key, bool positive = false);

}  // namespace tiersim
