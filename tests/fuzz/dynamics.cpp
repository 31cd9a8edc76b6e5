// Fuzz target: training dynamics (io/dynamics.cpp), CSV or JSON lines, and the pools DIMEC-DC
// draws from them. Input: MODE byte (even: CSV, odd: .jsonl), then the file.
#include "fuzz_input.hpp"
#include "core/error.hpp"
#include "io/dynamics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool jsonl = data[0] % 2 == 1;
  const auto path = tiersim::fuzz::write_scratch(jsonl ? "d.jsonl" : "d.csv", tiersim::fuzz::as_view(data + 1, size - 1));
  try {
    const auto dynamics = tiersim::load_dynamics(path);
    if (dynamics.size() > 0) {
      (void)tiersim::kmeans_pools(dynamics);
      (void)tiersim::threshold_pools(dynamics, 0.8, 0.3);
    }
  } catch (const tiersim::InputError& e) {
    tiersim::fuzz::refused(e);
  }
  return 0;
}
