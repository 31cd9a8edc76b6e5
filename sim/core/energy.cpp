#include "core/energy.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "core/json_reader.hpp"

namespace tiersim {

static int slot(int bits) {
  switch (bits) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    case 16: return 4;
    case 32: return 5;
  }
  throw std::logic_error(fmt::format("unsupported bit width {}", bits));
}

MacEnergyTable MacEnergyTable::defaults_45nm() {
  // Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm, 0.9 V):
  //   fp32 mult 3.7 + add 0.9; fp16 mult 1.1 + add 0.4; int8 mult 0.2 + add 0.03 (pJ).
  // Narrower integers scale the multiplier quadratically and the adder linearly from int8;
  // 1 bit is an XNOR plus a popcount step (the int8 formula at 1/8 width).
  MacEnergyTable t;
  t.pj = {0.2 / 64 + 0.03 / 8, 0.2 / 16 + 0.03 / 4, 0.2 / 4 + 0.03 / 2, 0.2 + 0.03, 1.1 + 0.4, 3.7 + 0.9};
  return t;
}

double MacEnergyTable::pj_per_mac(int bits) const { return pj[slot(bits)]; }

double MacEnergyTable::joules(double macs, int bits) const { return macs * pj[slot(bits)] * 1e-12; }

void MacEnergyTable::override_from(JsonReader r) {
  if (r.is_null()) return;
  for (const auto& key : r.keys()) {
    int bits = 0;
    try {
      bits = std::stoi(key);
      slot(bits);
    } catch (const std::exception&) {
      r.fail(fmt::format("bit widths among 1, 2, 4, 8, 16, 32 as keys, got \"{}\"", key));
    }
    pj[slot(bits)] = r.at(key).number_in(0, 1e6);
  }
}

}  // namespace tiersim
