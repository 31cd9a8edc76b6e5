// Fuzz target: a trace, CSV rows and sidecar (io/trace.cpp's load_trace).
// Input: SIDECAR-JSON "\n----\n" CSV; without the separator line, the whole input is the CSV
// and the sidecar is a valid one for 2 exits and 3 classes.
#include "fuzz_input.hpp"
#include "core/error.hpp"
#include "io/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [sidecar, rows] = tiersim::fuzz::split_parts(tiersim::fuzz::as_view(data, size));
  tiersim::fuzz::write_scratch("t.json", sidecar.empty() ? tiersim::fuzz::kDefaultSidecar : sidecar);
  const auto csv = tiersim::fuzz::write_scratch("t.csv", rows);
  try {
    const auto trace = tiersim::load_trace(csv);
    // What the engines and policies read of a loaded trace must be there.
    for (int e = 0; e < trace.exits(); ++e) (void)trace.exit_accuracy(e), (void)trace.mean_confidence(e);
    for (const auto& s : trace.split_names()) (void)trace.samples_in(s);
  } catch (const tiersim::InputError& e) {
    tiersim::fuzz::refused(e);
  }
  return 0;
}
