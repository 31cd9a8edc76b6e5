// DIMEC-DC (Bajpai & Hanawal, 2024): data-cartography clusters decide the tier. Training
// dynamics give each training sample a confidence mu and a variability sigma; samples are
// pooled into easy / medium / hard (k-means in (mu, sigma), or thresholds on mu). At
// inference the device computes its first layers, and the sample joins the pool whose
// training members' device-exit features are nearest on average (nearest centroid):
//   easy   -> answer on the device (if its confidence passes the gate, else as medium);
//   medium -> to the edge, which answers at its exit (if the gate passes, else to the cloud);
//   hard   -> to the cloud, which runs to the end.
// The pools' feature centroids come from the training samples' own rows in the trace, so the
// dynamics' sample ids must be trace samples.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "io/dynamics.hpp"
#include "core/error.hpp"
#include "model/policy.hpp"

namespace tiersim {
namespace {

class DimecDc : public Policy {
 public:
  explicit DimecDc(JsonReader& p) : where_(p.where()) {
    std::filesystem::path dyn = p.at("dynamics").string();
    if (dyn.is_relative()) dyn = std::filesystem::path(p.file()).parent_path() / dyn;
    dynamics_path_ = dyn.lexically_normal().string();
    dynamics_exit_ = static_cast<int>(p.integer_or("dynamics_exit", -1));
    auto pools = p.optional("pools");
    if (!pools.is_null() && !pools.raw().is_string()) {
      easy_min_ = pools.at("easy_min_confidence").number_in(0, 1);
      hard_max_ = pools.at("hard_max_confidence").number_in(0, easy_min_);
      pools.reject_unknown_keys();
    } else if (!pools.is_null()) {
      pools.string_in({"kmeans"});
    }
    features_ = p.string_or("features", "confidence");
    if (p.has("features")) p.at("features").string_in({"confidence", "confidence_entropy", "probabilities"});
    mobile_exit_ = static_cast<int>(p.integer_or("mobile_exit", -1));
    edge_exit_ = static_cast<int>(p.integer_or("edge_exit", -1));
    gate_ = p.number_or("exit_confidence", 0.0);
    if (gate_ < 0 || gate_ > 1) p.at("exit_confidence").fail(fmt::format("a number in [0, 1], got {}", gate_));
  }

  Decision at_exit(const DecisionContext& c) override {
    const bool gate = c.trace.confidence(c.sample, c.exit) >= gate_;
    if (c.tier == Tier::Mobile && c.exit == mobile_exit_) {
      const Pool pool = nearest_pool(c.trace, c.sample);
      if (pool == Pool::Easy && gate) return Decision::exit();
      return Decision::offload(pool == Pool::Hard ? Tier::Cloud : Tier::Edge);
    }
    if (c.tier == Tier::Edge && c.exit == edge_exit_) return gate ? Decision::exit() : Decision::offload(Tier::Cloud);
    return Decision::next();
  }

  void prepare(const Trace& trace, const ModelProfile& profile) override {
    mobile_exit_ = mobile_exit_ >= 0 ? mobile_exit_ : last_exit_on(profile, Tier::Mobile, "mobile_exit");
    edge_exit_ = edge_exit_ >= 0 ? edge_exit_ : last_exit_on(profile, Tier::Edge, "edge_exit");
    if (features_ != "confidence" && !trace.has_entropy())
      throw InputError(fmt::format("{}: policy \"dimec_dc\" with features \"{}\" needs entropy or probabilities, "
                                   "which trace {} lacks", where_, features_, trace.path));
    if (features_ == "probabilities" && !trace.has_probabilities())
      throw InputError(fmt::format("{}/features: trace {} has no probability columns", where_, trace.path));
    TrainingDynamics d = load_dynamics(dynamics_path_, dynamics_exit_);
    std::map<long long, int> row_of;
    for (int s = 0; s < trace.samples(); ++s) row_of[trace.sample_ids[s]] = s;
    std::vector<int> rows;
    for (int i = 0; i < d.size(); ++i) {
      auto it = row_of.find(d.ids[i]);
      if (it == row_of.end())
        throw InputError(fmt::format("{}: sample {} of the training dynamics is not in trace {} (the pools' feature "
                                     "centroids need the training samples' device-exit rows)",
                                     dynamics_path_, d.ids[i], trace.path));
      rows.push_back(it->second);
    }
    pool_of_ = easy_min_ >= 0 ? threshold_pools(d, easy_min_, hard_max_) : kmeans_pools(d);
    dynamics_ = std::move(d);
    centroid_.assign(3, {});
    std::array<double, 3> count{};
    for (int i = 0; i < dynamics_.size(); ++i) {
      const int k = static_cast<int>(pool_of_[i]);
      auto f = features(trace, rows[i]);
      if (centroid_[k].empty()) centroid_[k].assign(f.size(), 0.0);
      for (std::size_t j = 0; j < f.size(); ++j) centroid_[k][j] += f[j];
      count[k] += 1;
    }
    for (int k = 0; k < 3; ++k) {
      pool_size_[k] = static_cast<int>(count[k]);
      for (double& v : centroid_[k]) v /= count[k];
    }
  }

  // The data map: each training sample's confidence, variability and pool.
  std::map<std::string, std::string> state_files() const override {
    std::string csv = "sample,confidence,variability,pool\n";
    for (int i = 0; i < dynamics_.size(); ++i)
      csv += fmt::format("{},{:.6f},{:.6f},{}\n", dynamics_.ids[i], dynamics_.confidence[i], dynamics_.variability[i],
                         kPoolNames[static_cast<int>(pool_of_[i])]);
    return {{"pools.csv", csv}};
  }

  nlohmann::json describe() const override {
    nlohmann::json pools;
    for (int k = 0; k < 3; ++k)
      pools[kPoolNames[k]] = {{"training_samples", pool_size_[k]}, {"feature_centroid", centroid_[k]}};
    return {{"pools", pools}, {"features", features_}, {"mobile_exit", mobile_exit_}, {"edge_exit", edge_exit_},
            {"pooling", easy_min_ >= 0 ? "thresholds" : "kmeans"}};
  }

 private:
  std::vector<double> features(const Trace& trace, int sample) const {
    std::vector<double> f{trace.confidence(sample, mobile_exit_)};
    if (features_ == "confidence_entropy") f.push_back(trace.entropy(sample, mobile_exit_));
    if (features_ == "probabilities") {
      f.clear();
      for (int k = 0; k < trace.classes(); ++k) f.push_back(trace.probability[mobile_exit_](sample, k));
    }
    return f;
  }

  // Nearest centroid; ties go to the easier pool. Pools without training samples are skipped.
  Pool nearest_pool(const Trace& trace, int sample) const {
    const auto f = features(trace, sample);
    int best = -1;
    double best_d = INFINITY;
    for (int k = 0; k < 3; ++k) {
      if (centroid_[k].empty()) continue;
      double dist = 0;
      for (std::size_t j = 0; j < f.size(); ++j) dist += (f[j] - centroid_[k][j]) * (f[j] - centroid_[k][j]);
      if (dist < best_d) best_d = dist, best = k;
    }
    return static_cast<Pool>(best);
  }

  int last_exit_on(const ModelProfile& profile, Tier tier, const char* param) const {
    const auto& tm = profile.tiers[index(tier)];
    for (int s = tm.last; s >= tm.first && s >= 0; --s)
      if (profile.stages[s].exit >= 0) return profile.stages[s].exit;
    throw InputError(fmt::format("{}/{}: the {} tier of profile {} has no exit to use: give one", where_, param,
                                 tier_name(tier), profile.path));
  }

  std::string where_, dynamics_path_, features_;
  int dynamics_exit_ = -1, mobile_exit_ = -1, edge_exit_ = -1;
  double easy_min_ = -1, hard_max_ = -1, gate_ = 0;
  TrainingDynamics dynamics_;
  std::vector<Pool> pool_of_;
  std::vector<std::vector<double>> centroid_;
  std::array<int, 3> pool_size_{};
};

const PolicyRegistrar registrar{"dimec_dc",
                                "data-cartography pools: easy on the device, medium on the edge, hard in the cloud "
                                "(DIMEC-DC)",
                                [](JsonReader& p) { return std::make_unique<DimecDc>(p); },
                                Tunable{"exit_confidence", 0, 1}, {{"dynamics", "dynamics.csv"}}};

}  // namespace
}  // namespace tiersim
