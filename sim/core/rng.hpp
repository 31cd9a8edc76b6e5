#pragma once
// Counter-based random numbers: a draw is a pure function of (seed, stream, index), so both
// engines, any worker count and any event order see the same numbers; no library's
// distribution implementation is involved (std::*_distribution differs between libraries).
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace tiersim {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Uniform in (0, 1): never 0, so -log(u) is finite.
inline double uniform01(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  std::uint64_t h = splitmix64(seed ^ splitmix64(stream ^ splitmix64(index)));
  return (static_cast<double>(h >> 11) + 0.5) * 0x1.0p-53;
}

// Uniform over {0, ..., n - 1} (n >= 1).
inline std::size_t uniform_index(std::uint64_t seed, std::uint64_t stream, std::uint64_t index, std::size_t n) {
  const auto i = static_cast<std::size_t>(uniform01(seed, stream, index) * static_cast<double>(n));
  return i < n ? i : n - 1;
}

// Exponential with mean 1.
inline double exponential1(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  return -std::log(uniform01(seed, stream, index));
}

// Distinct streams so that draws for different purposes never coincide.
enum RngStream : std::uint64_t {
  kStreamArrival = 1ULL << 56,
  kStreamService = 2ULL << 56,
  kStreamShuffle = 3ULL << 56,
  kStreamPolicy = 4ULL << 56,
  kStreamSplit = 5ULL << 56,
  kStreamSelection = 6ULL << 56,  // + a small offset per rule and tier
  kStreamNetwork = 7ULL << 56,    // + the transfer's hop within its request (network jitter)
};

}  // namespace tiersim
