#include "io/profile.hpp"

#include <fmt/format.h>

#include <set>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace tiersim {

static const std::vector<std::string> kBitWidths{"1", "2", "4", "8", "16", "32"};

static int read_bits(JsonReader r) {
  long long b = r.integer();
  if (b != 1 && b != 2 && b != 4 && b != 8 && b != 16 && b != 32) r.fail(fmt::format("a bit width in {{{}}}, got {}", fmt::join(kBitWidths, ", "), b));
  return static_cast<int>(b);
}

int ModelProfile::max_exit() const {
  int m = -1;
  for (const auto& s : stages) m = std::max(m, s.exit);
  for (const auto& t : tiers)
    if (t.full_model) m = std::max(m, t.full_model->exit);
  return m;
}

static TierModel read_tier(JsonReader r, int stage_count) {
  TierModel tm;
  auto range = r.optional("stages");
  if (!range.is_null()) {
    if (range.array_size() != 2) range.fail("[first, last] stage indices");
    tm.first = static_cast<int>(range.element(0).integer_at_least(0));
    tm.last = static_cast<int>(range.element(1).integer_at_least(tm.first));
    if (tm.last >= stage_count) range.element(1).fail(fmt::format("a stage index below {}", stage_count));
  }
  auto full = r.optional("full_model");
  if (!full.is_null()) {
    if (tm.first >= 0) r.fail("either \"stages\" or \"full_model\", not both");
    FullModel fm;
    fm.macs = full.at("macs").number_in(0, 1e18);
    fm.bits = read_bits(full.at("bits"));
    fm.exit = static_cast<int>(full.at("exit").integer_at_least(0));
    fm.layers = full.number_or("layers", stage_count);
    if (fm.layers <= 0) full.at("layers").fail("a positive number of layers");
    full.reject_unknown_keys();
    tm.full_model = fm;
  }
  r.reject_unknown_keys();
  return tm;
}

ModelProfile load_profile(const std::string& path) {
  JsonReader r(read_json_file(path), path);
  ModelProfile p;
  p.path = path;
  p.name = r.at("name").string();
  p.input_bytes = r.at("input_bytes").number_in(0, 1e15);
  r.optional("notes");
  auto stages = r.at("stages");
  if (stages.array_size() == 0) stages.fail("at least one stage");
  std::set<int> exits;
  for (std::size_t i = 0; i < stages.array_size(); ++i) {
    auto s = stages.element(i);
    Stage st;
    st.name = s.at("name").string();
    st.macs = s.at("macs").number_in(0, 1e18);
    st.bits = read_bits(s.at("bits"));
    st.output_bytes = s.at("output_bytes").number_in(0, 1e15);
    st.layers = s.number_or("layers", 1);
    if (st.layers <= 0) s.at("layers").fail("a positive number of layers");
    auto e = s.optional("exit");
    if (!e.is_null()) {
      st.exit = static_cast<int>(e.integer_at_least(0));
      if (!exits.insert(st.exit).second) e.fail(fmt::format("an exit index not used by another stage, {} is", st.exit));
    }
    s.reject_unknown_keys();
    p.stages.push_back(st);
  }
  if (p.stages.back().exit < 0) stages.element(p.stages.size() - 1).fail("the last stage to end in an exit");
  auto tiers = r.at("tiers");
  for (int t = 0; t < kTiers; ++t) {
    auto tr = tiers.optional(std::string(kTierNames[t]));
    if (!tr.is_null()) p.tiers[t] = read_tier(tr, p.stage_count());
  }
  tiers.reject_unknown_keys();
  if (p.tiers[0].full_model) tiers.at("mobile").fail("stages for the mobile tier (a full model is for edge or cloud)");
  for (int s = 0; s < p.stage_count(); ++s) {
    bool someone = false;
    for (const auto& t : p.tiers) someone = someone || t.runs(s);
    if (!someone) tiers.fail(fmt::format("some tier to run stage {} (\"{}\")", s, p.stages[s].name));
  }
  r.reject_unknown_keys();
  return p;
}

void check_profile_against_trace(const ModelProfile& p, int trace_exits, const std::string& trace_path) {
  if (p.max_exit() >= trace_exits)
    throw InputError(fmt::format("{}: uses exit {} but the trace {} has only {} exits (0..{})", p.path,
                                 p.max_exit(), trace_path, trace_exits, trace_exits - 1));
  std::set<int> known;
  for (const auto& s : p.stages)
    if (s.exit >= 0) known.insert(s.exit);
  for (const auto& t : p.tiers)
    if (t.full_model) known.insert(t.full_model->exit);
  for (int e = 0; e < trace_exits; ++e)
    if (!known.count(e))
      throw InputError(fmt::format("{}: trace {} has exit {} that no stage or full model of the profile ends in",
                                   p.path, trace_path, e));
}

}  // namespace tiersim
