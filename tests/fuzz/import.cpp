// Fuzz targets import_long and import_wide: the importers of outside trace layouts
// (io/trace_import.cpp), built from this file with TIERSIM_IMPORT_FORMAT "long" or "wide".
#include "fuzz_input.hpp"
#include "core/error.hpp"
#include "io/trace_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto csv = tiersim::fuzz::write_scratch("import.csv", tiersim::fuzz::as_view(data, size));
  tiersim::ImportOptions options;
  options.format = TIERSIM_IMPORT_FORMAT;
  try {
    const auto trace = tiersim::import_trace(csv, options);
    for (int e = 0; e < trace.exits(); ++e) (void)trace.exit_accuracy(e);
  } catch (const tiersim::InputError& e) {
    tiersim::fuzz::refused(e);
  }
  return 0;
}
