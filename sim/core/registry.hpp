#pragma once
// One registry pattern for every extension point (engines, arrival processes, server
// selectors, network models): an implementation is one file holding a static Registrar,
// and is found by name. Info is a struct with at least a `name`.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace tiersim {

template <class Info>
class Registry {
 public:
  static std::vector<Info>& entries() {
    static std::vector<Info> registered;  // constructed on first use: safe from static registrars
    return registered;
  }

  // `static Registry<Info>::Registrar r{Info{...}};` in the implementation's file.
  struct Registrar {
    explicit Registrar(Info info) { entries().push_back(std::move(info)); }
  };

  // The entry named `name`, or nullptr.
  static const Info* lookup(const std::string& name) {
    for (const auto& info : entries())
      if (info.name == name) return &info;
    return nullptr;
  }

  // The registered names, sorted.
  static std::vector<std::string> names() {
    std::vector<std::string> names;
    for (const auto& info : entries()) names.push_back(info.name);
    std::sort(names.begin(), names.end());
    return names;
  }

  // The entry named `name`; else InputError "<where>: unknown <what> "<name>" (expected one of: ...)".
  static const Info& find(const std::string& name, const std::string& where, const std::string& what) {
    if (const Info* info = lookup(name)) return *info;
    throw InputError(fmt::format("{}: unknown {} \"{}\" (expected one of: {})", where, what, name, fmt::join(names(), ", ")));
  }
};

}  // namespace tiersim
