#pragma once
// Compute energy per multiply-accumulate by bit width (45 nm defaults, see experiments/README.md).
#include <array>
#include <string>

namespace tiersim {

class JsonReader;

struct MacEnergyTable {
  // pJ per MAC for bit widths 1, 2, 4, 8, 16, 32.
  std::array<double, 6> pj{};
  static MacEnergyTable defaults_45nm();
  double joules(double macs, int bits) const;
  double pj_per_mac(int bits) const;
  // Reads {"32": 4.6, ...} over the defaults; unknown widths rejected.
  void override_from(JsonReader r);
};

}  // namespace tiersim
