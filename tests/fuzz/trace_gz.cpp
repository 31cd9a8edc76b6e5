// Fuzz target: a gzip-compressed trace (NAME.csv.gz, read through zlib by io/csv.cpp).
// Input: MODE byte, then SIDECAR-JSON "\n----\n" CSV as for trace_csv. MODE even: the CSV
// is compressed (a valid stream, so rows cross zlib's blocks); odd: the bytes are written as
// they are to NAME.csv.gz (corrupt and truncated streams).
#include <zlib.h>

#include "fuzz_input.hpp"
#include "core/error.hpp"
#include "io/trace.hpp"

static std::string gzip(std::string_view bytes) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, bytes.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool compress = data[0] % 2 == 0;
  const auto [sidecar, rows] = tiersim::fuzz::split_parts(tiersim::fuzz::as_view(data + 1, size - 1));
  tiersim::fuzz::write_scratch("t.json", sidecar.empty() ? tiersim::fuzz::kDefaultSidecar : sidecar);
  const auto csv = tiersim::fuzz::write_scratch("t.csv.gz", compress ? gzip(rows) : std::string(rows));
  try {
    const auto trace = tiersim::load_trace(csv);
    for (int e = 0; e < trace.exits(); ++e) (void)trace.exit_accuracy(e);
  } catch (const tiersim::InputError& e) {
    tiersim::fuzz::refused(e);
  }
  return 0;
}
