#include "io/profile.hpp"

#include <fmt/format.h>

#include <algorithm>
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

double BatchLatency::at(int b) const {
  if (linear) return a + c * b;
  auto hi = std::lower_bound(batch.begin(), batch.end(), static_cast<double>(b));
  const auto i = static_cast<std::size_t>(hi - batch.begin());
  if (batch[i] == b || i == 0) return seconds[i];
  const double w = (b - batch[i - 1]) / (batch[i] - batch[i - 1]);  // linear between listed sizes
  return seconds[i - 1] + w * (seconds[i] - seconds[i - 1]);
}

// `batch_latency_s`: [t(1), t(2), ..], {"batch": [1, ..], "seconds": [..]} (sizes increasing from
// 1, latencies increasing with them) or {"a": .., "c": ..} with t(1) > 0 and c >= 0.
static BatchLatency read_batch_latency(JsonReader r) {
  BatchLatency model;
  if (r.raw().is_object() && r.has("a")) {
    model.linear = true;
    model.a = r.at("a").number_in(-1e9, 1e9);
    model.c = r.at("c").number_in(0, 1e9);
    r.reject_unknown_keys();
    if (!(model.at(1) > 0)) r.fail("a + c > 0 (the time of a batch of one)");
    return model;
  }
  JsonReader sizes = r, times = r;
  if (r.raw().is_object()) {
    sizes = r.at("batch");
    times = r.at("seconds");
    r.reject_unknown_keys();
    if (sizes.array_size() != times.array_size())
      times.fail(fmt::format("as many latencies as batch sizes ({})", sizes.array_size()));
  } else if (!r.raw().is_array()) {
    r.fail("[t(1), t(2), ..], {\"batch\": [1, ..], \"seconds\": [..]} or {\"a\": .., \"c\": ..} (seconds)");
  }
  if (times.array_size() == 0) times.fail("at least the latency of a batch of one");
  for (std::size_t i = 0; i < times.array_size(); ++i) {
    const double b = r.raw().is_object() ? static_cast<double>(sizes.element(i).integer_at_least(1)) : static_cast<double>(i + 1);
    if (i == 0 && b != 1) sizes.element(0).fail("the table to start at b = 1");
    if (i > 0 && !(b > model.batch.back())) sizes.element(i).fail("batch sizes in increasing order");
    auto e = times.element(i);
    const double t = e.number_in(0, 1e9);
    if (i == 0 && !(t > 0)) e.fail("t(1) > 0 seconds");
    if (i > 0 && !(t > model.seconds.back()))
      e.fail(fmt::format("a latency increasing in b: t({}) = {} after t({}) = {}", b, t, model.batch.back(),
                         model.seconds.back()));
    model.batch.push_back(b);
    model.seconds.push_back(t);
  }
  return model;
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
    if (full.has("batch_latency_s")) fm.batch = read_batch_latency(full.at("batch_latency_s"));
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
    if (s.has("batch_latency_s")) st.batch = read_batch_latency(s.at("batch_latency_s"));
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
