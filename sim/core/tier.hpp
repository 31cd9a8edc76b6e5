#pragma once
// The three tiers of the system. Requests start on a mobile device and only move up.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tiersim {

enum class Tier : int { Mobile = 0, Edge = 1, Cloud = 2 };
inline constexpr int kTiers = 3;
inline constexpr std::array<std::string_view, kTiers> kTierNames{"mobile", "edge", "cloud"};

inline std::string_view tier_name(Tier t) { return kTierNames[static_cast<int>(t)]; }
inline int index(Tier t) { return static_cast<int>(t); }
inline std::optional<Tier> tier_from_name(std::string_view name) {
  for (int i = 0; i < kTiers; ++i)
    if (kTierNames[i] == name) return static_cast<Tier>(i);
  return std::nullopt;
}

}  // namespace tiersim
