#pragma once
// Names tiersim turns into file names (run names, sweep point ids): only letters, digits, '.',
// '_' and '-', never starting with '.', so that "." and ".." — which would make a run's folder
// the results directory itself, and its replacement a deletion of that directory — and hidden
// files cannot occur, and a name needs no quoting in a CSV field or a shell command.
#include <string_view>

namespace tiersim {

inline constexpr std::size_t kMaxNameLength = 200;

inline bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace tiersim
