#include "model/policy.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace tiersim {

static std::vector<PolicyInfo>& registry() {
  static std::vector<PolicyInfo> policies;
  return policies;
}

PolicyRegistrar::PolicyRegistrar(std::string name, std::string summary, PolicyFactory make, Tunable tunable,
                                 nlohmann::json example) {
  registry().push_back({std::move(name), std::move(summary), std::move(make), std::move(tunable), std::move(example)});
}

std::vector<std::string> policy_parameters(const PolicyInfo& policy) {
  JsonReader reader(policy.example, fmt::format("the example of policy \"{}\"", policy.name), "/policy/params");
  (void)policy.make(reader);
  return {reader.read_keys().begin(), reader.read_keys().end()};
}

SystemState DecisionContext::state() const {
  if (probe) return probe->state(*this);
  SystemState s;
  s.tier = tier;
  s.tiers[index(Tier::Mobile)].present = true;
  return s;
}

const std::vector<PolicyInfo>& registered_policies() { return registry(); }

static std::vector<std::string>& runtime_names() {
  static std::vector<std::string> names;
  return names;
}

void register_runtime_policy(PolicyInfo info) {
  auto& names = runtime_names();
  const bool runtime = std::find(names.begin(), names.end(), info.name) != names.end();
  for (auto& p : registry()) {
    if (p.name != info.name) continue;
    if (!runtime)
      throw InputError(fmt::format("policy \"{}\" is built into tiersim: give yours another name", info.name));
    p = std::move(info);
    return;
  }
  names.push_back(info.name);
  registry().push_back(std::move(info));
}

std::unique_ptr<Policy> make_policy(const std::string& name, const nlohmann::json& params,
                                    const std::string& file) {
  std::vector<std::string> names;
  for (const auto& p : registry()) {
    names.push_back(p.name);
    if (p.name != name) continue;
    JsonReader reader(params, file, "/policy/params");
    auto policy = p.make(reader);
    reader.reject_unknown_keys();
    return policy;
  }
  throw InputError(fmt::format("{}: /policy/name: unknown policy \"{}\" (expected one of: {})", file, name,
                               fmt::join(names, ", ")));
}

ExitThresholds ExitThresholds::read(JsonReader r, double lo, double hi) {
  ExitThresholds t;
  t.where = r.where();
  if (r.raw().is_number()) {
    t.values.push_back(r.number_in(lo, hi));
  } else {
    std::size_t n = r.array_size();
    if (n == 0) r.fail("a number or a non-empty array of numbers");
    for (std::size_t i = 0; i < n; ++i) t.values.push_back(r.element(i).number_in(lo, hi));
  }
  return t;
}

void ExitThresholds::check_exits(int exits) const {
  if (values.size() != 1 && static_cast<int>(values.size()) != exits)
    throw InputError(fmt::format("{}: expected one threshold per trace exit ({}), got {}", where, exits, values.size()));
}

void require_entropy(const Trace& trace, const std::string& policy) {
  if (!trace.has_entropy())
    throw InputError(fmt::format("{}: policy \"{}\" needs per-exit entropy, but this trace has no entropy column, no "
                                 "probability columns, and {} classes (derivable only for 2)",
                                 trace.path, policy, trace.classes()));
}

}  // namespace tiersim
