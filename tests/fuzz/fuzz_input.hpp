#pragma once
// Shared by the fuzz harnesses (one per parser, each a LLVMFuzzerTestOneInput):
//  * the parsers read files, so an input is written to a scratch file in this process's own
//    folder under the temporary directory (removed at exit);
//  * the contract a harness checks: bad input throws tiersim::InputError (one line for the
//    user); any other exception, a crash or a sanitizer report is a bug, so every other
//    exception escapes the harness and libFuzzer reports it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace tiersim::fuzz {

// The process's scratch folder, created on first use and removed when the process exits.
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("tiersim-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup;
  return dir;
}

// Writes bytes to scratch()/name and returns the path.
inline std::string write_scratch(const std::string& name, std::string_view bytes) {
  const auto path = scratch() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path.string();
}

// A valid sidecar for a 2-exit, 3-class trace: the trace harnesses' sidecar when an input has none.
inline constexpr std::string_view kDefaultSidecar =
    R"({"dataset": "d", "model": "m", "source": "s", "classes": ["a", "b", "c"], "exits": ["e0", "e1"]})";

// Splits an input at the first line holding only "----" into (head, tail); without such a
// line the head is empty and the tail the whole input. Harnesses that read two files (a
// trace CSV and its sidecar) take one from each part, so the fuzzer mutates both.
inline std::pair<std::string_view, std::string_view> split_parts(std::string_view input) {
  static constexpr std::string_view kMark = "\n----\n";
  if (input.substr(0, kMark.size() - 1) == kMark.substr(1)) return {{}, input.substr(kMark.size() - 1)};
  const auto at = input.find(kMark);
  if (at == std::string_view::npos) return {{}, input};
  return {input.substr(0, at), input.substr(at + kMark.size())};
}

// An input refused with InputError: the expected outcome for bad input. With
// TIERSIM_FUZZ_VERBOSE set, the message is printed (to see what a corpus exercises).
inline void refused(const std::exception& e) {
  static const bool verbose = std::getenv("TIERSIM_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace tiersim::fuzz
