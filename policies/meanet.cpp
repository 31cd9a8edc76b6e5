// MEANet (Long et al., ICDCS 2021), complexity-aware routing between a main block and an
// extension block on the device and a full model in the cloud. At the main exit, with
// p = softmax, y = argmax p, H = entropy (natural log):
//   H > entropy_threshold       -> "complex": the raw input goes to the cloud's model;
//   else y is an easy class      -> exit at the main block;
//   else (y is a hard class)     -> run the extension block and answer there.
// The extension classifier covers the hard classes only, so its answer is the argmax over
// the hard classes; a trace whose extension head covered every class is handled by
// restricting its probability vector to the hard classes (without probabilities, a
// prediction outside the hard set is refused: it cannot be mapped faithfully).
// Variant "confidence": after the extension block, answer with the main block's prediction
// when the main confidence beats the extension's.
// Hard classes are given in the config, or taken from the trace when its sidecar says which
// classes the extension exit covers (exit_classes), or derived as the authors do: the half of
// the classes with the lowest main-exit accuracy on held-out (calibration) samples.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "model/policy.hpp"

namespace tiersim {
namespace {

class Meanet : public Policy {
 public:
  explicit Meanet(JsonReader& p) : where_(p.where()) {
    threshold_ = p.at("entropy_threshold").number_in(0, 1e3);
    main_exit_ = static_cast<int>(p.integer_or("main_exit", 0));
    extension_exit_ = static_cast<int>(p.integer_or("extension_exit", 1));
    if (main_exit_ < 0 || extension_exit_ <= main_exit_)
      p.fail("0 <= main_exit < extension_exit");
    cloud_ = tier_from_name(p.string_or("complex_to", "cloud")).value_or(Tier::Mobile);
    if (cloud_ == Tier::Mobile) p.at("complex_to").fail("edge or cloud");
    confidence_variant_ = p.string_or("variant", "entropy") == "confidence";
    if (p.has("variant")) p.at("variant").string_in({"entropy", "confidence"});
    calibration_split_ = p.string_or("calibration_split", "calibration");
    hard_param_ = p.optional("hard_classes").raw();
    if (!hard_param_.is_null()) p.at("hard_classes").array_size();
  }

  Decision at_exit(const DecisionContext& c) override {
    if (c.tier == cloud_) return Decision::next();  // a complex input runs to the end there
    if (c.exit == main_exit_) {
      if (c.trace.entropy(c.sample, c.exit) > threshold_) return Decision::offload(cloud_);
      return is_hard_[c.trace.prediction(c.sample, c.exit)] ? Decision::next() : Decision::exit();
    }
    if (c.exit != extension_exit_) return Decision::next();
    const auto [answer, confidence] = extension_answer(c.trace, c.sample);
    if (confidence_variant_ && c.trace.confidence(c.sample, main_exit_) > confidence)
      return Decision::exit_answering(c.trace.prediction(c.sample, main_exit_));
    return Decision::exit_answering(answer);
  }

  void prepare(const Trace& trace, const ModelProfile& profile) override {
    if (extension_exit_ >= trace.exits())
      throw InputError(fmt::format("{}/extension_exit: expected an exit below the trace's {}", where_, trace.exits()));
    require_entropy(trace, "meanet");
    warnings_.clear();
    // MEANet splits the classes into easy and hard ones; with 2 or 3 the extension's hard set is
    // one or two classes and the easy/hard/complex routing is close to meaningless.
    if (trace.classes() < 4)
      warnings_.push_back(fmt::format("policy \"meanet\" on {}: {} classes (its easy/hard split was designed for many, "
                                      "e.g. 10 on Fashion-MNIST; with fewer than 4 the hard set is one or two classes)",
                                      trace.path, trace.classes()));
    const auto& target = profile.tiers[index(cloud_)];
    if (!target.full_model && target.first < 0)
      throw InputError(fmt::format("{}: /tiers/{}: policy \"meanet\" sends complex inputs there, but it runs nothing",
                                   profile.path, tier_name(cloud_)));
    const auto declared = trace.meta.exit_classes.find(extension_exit_);
    hard_from_ = !hard_param_.is_null() ? "config" : declared != trace.meta.exit_classes.end() ? "trace" : "split:" + calibration_split_;
    if (!hard_param_.is_null()) {
      is_hard_ = read_hard_classes(trace);
    } else if (declared != trace.meta.exit_classes.end()) {  // the network's own extension classes
      class_names_ = trace.meta.class_names;
      is_hard_.assign(trace.classes(), false);
      for (int k : declared->second) is_hard_[k] = true;
    } else {
      is_hard_ = derive_hard_classes(trace);
    }
    check_extension_predictions(trace);
  }

  std::vector<std::string> warnings() const override { return warnings_; }

  nlohmann::json describe() const override {
    nlohmann::json hard = nlohmann::json::array();
    for (std::size_t k = 0; k < is_hard_.size(); ++k)
      if (is_hard_[k]) hard.push_back(class_names_[k]);
    return {{"hard_classes", hard}, {"hard_classes_from", hard_from_}};
  }

 private:
  // The extension's answer and its confidence, restricted to the hard classes.
  std::pair<int, double> extension_answer(const Trace& trace, int sample) const {
    if (!trace.has_probabilities())
      return {trace.prediction(sample, extension_exit_), trace.confidence(sample, extension_exit_)};
    const auto& p = trace.probability[extension_exit_];
    int best = -1;
    for (int k = 0; k < trace.classes(); ++k)
      if (is_hard_[k] && (best < 0 || p(sample, k) > p(sample, best))) best = k;
    return {best, p(sample, best)};
  }

  std::vector<bool> read_hard_classes(const Trace& trace) {
    class_names_ = trace.meta.class_names;
    std::vector<bool> hard(trace.classes(), false);
    for (std::size_t i = 0; i < hard_param_.size(); ++i) {
      const auto& v = hard_param_[i];
      int k = -1;
      if (v.is_number_integer()) {
        k = v.get<int>();
      } else if (v.is_string()) {
        auto it = std::find(class_names_.begin(), class_names_.end(), v.get<std::string>());
        if (it != class_names_.end()) k = static_cast<int>(it - class_names_.begin());
      }
      if (k < 0 || k >= trace.classes())
        throw InputError(fmt::format("{}/hard_classes/{}: {} is not a class of trace {} (classes: {})", where_, i,
                                     v.dump(), trace.path, fmt::join(class_names_, ", ")));
      hard[k] = true;
    }
    return hard;
  }

  std::vector<bool> derive_hard_classes(const Trace& trace) {
    class_names_ = trace.meta.class_names;
    const int classes = trace.classes();
    std::vector<double> right(classes, 0), seen(classes, 0);
    for (int s = 0; s < trace.samples(); ++s) {
      if (calibration_split_ != "all" && trace.split[s] != calibration_split_) continue;
      seen[trace.label(s)] += 1;
      right[trace.label(s)] += trace.prediction(s, main_exit_) == trace.label(s) ? 1 : 0;
    }
    for (int k = 0; k < classes; ++k)
      if (seen[k] == 0)
        throw InputError(fmt::format("{}: trace {} has no sample of class \"{}\" in split \"{}\" to derive MEANet's "
                                     "hard classes from (give hard_classes, or calibration_split \"all\")",
                                     where_, trace.path, class_names_[k], calibration_split_));
    std::vector<int> order(classes);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return right[a] / seen[a] < right[b] / seen[b]; });
    std::vector<bool> hard(classes, false);
    for (int i = 0; i < classes / 2; ++i) hard[order[i]] = true;
    return hard;
  }

  void check_extension_predictions(const Trace& trace) const {
    if (trace.has_probabilities()) return;
    for (int s = 0; s < trace.samples(); ++s) {
      const int y = trace.prediction(s, extension_exit_);
      if (!is_hard_[y])
        throw InputError(fmt::format("{}: sample {} is predicted \"{}\" at the extension exit {}, outside MEANet's hard "
                                     "classes; the extension classifier covers only those: give probability columns "
                                     "so tiersim can restrict the argmax to them",
                                     trace.path, trace.sample_ids[s], class_names_[y], extension_exit_));
    }
  }

  std::string where_;
  double threshold_ = 0;
  int main_exit_ = 0, extension_exit_ = 1;
  Tier cloud_ = Tier::Cloud;
  bool confidence_variant_ = false;
  std::string calibration_split_, hard_from_;
  nlohmann::json hard_param_;
  std::vector<bool> is_hard_;
  std::vector<std::string> warnings_;
  std::vector<std::string> class_names_;
};

const PolicyRegistrar registrar{"meanet",
                                "complex (entropy > T) to the cloud, easy classes exit at main, hard ones at the "
                                "extension (MEANet)",
                                [](JsonReader& p) { return std::make_unique<Meanet>(p); },
                                Tunable{"entropy_threshold", 0, 0, Tunable::Upper::LnClasses},
                                {{"entropy_threshold", 0.5}}};

}  // namespace
}  // namespace tiersim
