// Trace format: loading, derived entropy, per-exit statistics, importers, shipped traces.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "io/dynamics.hpp"
#include "core/error.hpp"
#include "helpers.hpp"
#include "io/profile.hpp"
#include "io/trace.hpp"
#include "io/trace_import.hpp"

using namespace tiersim;
using Catch::Matchers::Contains;

static double entropy_of(std::initializer_list<double> p) {
  double h = 0;
  for (double x : p) h -= x * std::log(x);
  return h;
}

TEST_CASE("the hand-written trace loads with entropy computed from its probabilities", "[trace]") {
  Trace t = load_trace(testing::source_path("tests/data/tiny.csv"));
  REQUIRE(t.samples() == 4);
  REQUIRE(t.exits() == 3);
  REQUIRE(t.classes() == 3);
  REQUIRE(t.has_probabilities());
  REQUIRE(t.has_entropy());
  CHECK(t.label(1) == 1);
  CHECK(t.prediction(1, 0) == 2);
  CHECK(t.confidence(2, 1) == Approx(0.4));
  CHECK(t.entropy(0, 0) == Approx(entropy_of({0.9, 0.05, 0.05})).epsilon(1e-6));   // 0.39439
  CHECK(t.entropy(1, 1) == Approx(entropy_of({0.1, 0.6, 0.3})).epsilon(1e-6));     // 0.89794
  CHECK(t.entropy(0, 0) == Approx(0.394398).margin(1e-5));
  // Per-exit accuracy by hand: exit 0 right on samples 0 and 2; exit 1 on 0 and 1; exit 2 on 0, 1, 2.
  CHECK(t.exit_accuracy(0) == 0.5);
  CHECK(t.exit_accuracy(1) == 0.5);
  CHECK(t.exit_accuracy(2) == 0.75);
  CHECK(t.mean_confidence(0) == Approx((0.9 + 0.5 + 0.7 + 0.4) / 4));
}

TEST_CASE("entropy of a two-class trace is derived exactly from max softmax", "[trace]") {
  CHECK(binary_entropy(0.5f) == Approx(std::log(2.0)));
  CHECK(binary_entropy(0.9f) == Approx(entropy_of({0.9, 0.1})).epsilon(1e-6));
  CHECK(binary_entropy(1.0f) == 0.0f);
}

TEST_CASE("the long importer converts a per-row layout and write_trace round-trips it", "[trace][import]") {
  auto dir = testing::scratch_dir("import_long");
  testing::write_file(dir + "/in.csv",
                      "Sample_ID,Exit,Confidence,Prediction,Label\n"
                      "7,0,0.6,1,0\n7,1,0.9,0,0\n3,1,0.8,1,1\n3,0,0.55,1,1\n");
  ImportOptions opt{"long", {"neg", "pos"}, "toy", "toy model", "test"};
  Trace t = import_trace(dir + "/in.csv", opt);
  REQUIRE(t.samples() == 2);
  REQUIRE(t.exits() == 2);
  CHECK(t.sample_ids == std::vector<long long>{3, 7});
  CHECK(t.prediction(1, 0) == 1);  // sample 7, exit 0
  CHECK(t.exit_accuracy(0) == 0.5);
  CHECK(t.exit_accuracy(1) == 1.0);
  write_trace(t, dir + "/out.csv");
  Trace back = load_trace(dir + "/out.csv");
  CHECK(back.sample_ids == t.sample_ids);
  CHECK((back.prediction == t.prediction).all());
  CHECK((back.confidence == t.confidence).all());
  CHECK(back.meta.class_names == std::vector<std::string>{"neg", "pos"});
  CHECK(back.meta.exit_accuracy == std::vector<double>{0.5, 1.0});
}

TEST_CASE("the wide importer reads branches, class names and measured branch times", "[trace][import]") {
  auto dir = testing::scratch_dir("import_wide");
  testing::write_file(dir + "/in.csv",
                      ",device,target,class_name,conf_branch_1,correct_branch_1,delta_inf_time_branch_1,"
                      "cum_inf_time_branch_1,prediction_branch_1,conf_branch_2,correct_branch_2,"
                      "delta_inf_time_branch_2,cum_inf_time_branch_2,prediction_branch_2\n"
                      "0,cpu,1,dog,0.7,0,0.010,0.010,0,0.9,1,0.020,0.030,1\n"
                      "1,cpu,0,cat,0.8,1,0.030,0.030,0,0.6,1,0.040,0.070,0\n");
  Trace t = import_trace(dir + "/in.csv", ImportOptions{"wide", {}, "toy", "toy", "test"});
  REQUIRE(t.exits() == 2);
  CHECK(t.meta.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(t.meta.exit_time_s[0] == Approx(0.020));
  CHECK(t.meta.exit_time_s[1] == Approx(0.030));
  CHECK(t.exit_accuracy(0) == 0.5);
  CHECK(t.exit_accuracy(1) == 1.0);
}

TEST_CASE("the long importer keeps entropy, probabilities and split, also under other column names",
          "[trace][import]") {
  auto dir = testing::scratch_dir("import_long_optional");
  // Three classes, two exits; the probabilities of sample 7 at exit 1 are (0.1, 0.7, 0.2).
  const std::string rows = "7,0,0.5,1,1,0.9,0.3,0.5,0.2,test\n7,1,0.7,1,1,0.8,0.1,0.7,0.2,test\n"
                           "3,0,0.6,0,2,0.85,0.6,0.3,0.1,calibration\n3,1,0.5,2,2,0.95,0.25,0.25,0.5,calibration\n";
  testing::write_file(dir + "/plain.csv", "Sample_ID,Exit,Confidence,Prediction,Label,entropy,p0,p1,p2,split\n" + rows);
  testing::write_file(dir + "/mapped.csv", "id,layer,conf,pred,y,H,prob_0,prob_1,prob_2,fold\n" + rows);
  ImportOptions mapped{"long", {}, "toy", "toy", "test",
                       {{"sample", "id"}, {"exit", "layer"}, {"confidence", "conf"}, {"prediction", "pred"},
                        {"label", "y"}, {"entropy", "H"}, {"probabilities", "prob_"}, {"split", "fold"}}};
  for (const Trace& t : {import_trace(dir + "/plain.csv", ImportOptions{"long", {}, "toy", "toy", "test"}),
                         import_trace(dir + "/mapped.csv", mapped)}) {
    REQUIRE(t.classes() == 3);
    REQUIRE(t.has_entropy());
    REQUIRE(t.has_probabilities());
    CHECK(t.entropy(1, 1) == 0.8);  // sample 7 (row 1), exit 1
    CHECK(t.probability[1](1, 1) == 0.7);
    CHECK(t.split == std::vector<std::string>{"calibration", "test"});
    // Written and read back: the same values, an entropy policy can use it.
    write_trace(t, dir + "/out.csv");
    Trace back = load_trace(dir + "/out.csv");
    CHECK((back.entropy == t.entropy).all());
    CHECK((back.probability[1] == t.probability[1]).all());
    CHECK(back.split == t.split);
    CHECK(back.samples_in("test").size() == 1);
  }
  // Refusals name the file and line, or the option.
  testing::write_file(dir + "/sum.csv", "Sample_ID,Exit,Confidence,Prediction,Label,p0,p1\n1,0,0.6,0,0,0.6,0.5\n");
  CHECK_THROWS_WITH(import_trace(dir + "/sum.csv", ImportOptions{"long", {}, "t", "t", "t"}),
                    dir + "/sum.csv:2: probabilities sum to 1.1 (expected 1 within 1e-3: a softmax)");
  testing::write_file(dir + "/split.csv",
                      "Sample_ID,Exit,Confidence,Prediction,Label,split\n1,0,0.6,0,0,test\n1,1,0.6,0,0,calibration\n");
  CHECK_THROWS_WITH(import_trace(dir + "/split.csv", ImportOptions{"long", {}, "t", "t", "t"}),
                    dir + "/split.csv:3: sample 1 has split \"calibration\" here but \"test\" on another row");
  CHECK_THROWS_WITH(import_trace(dir + "/plain.csv", ImportOptions{"long", {}, "t", "t", "t", {{"confidance", "c"}}}),
                    "--column confidance=c: no column role \"confidance\" in the long layout (expected one of: "
                    "confidence, entropy, exit, label, prediction, probabilities, sample, split)");
  CHECK_THROWS_WITH(import_trace(dir + "/plain.csv", ImportOptions{"long", {"a", "b"}, "t", "t", "t"}),
                    dir + "/plain.csv: 3 probability columns but 2 classes (expected one column per class)");
}

TEST_CASE("the wide importer needs no timing columns and keeps per-branch entropy and probabilities",
          "[trace][import]") {
  auto dir = testing::scratch_dir("import_wide_optional");
  testing::write_file(dir + "/in.csv",
                      ",target,conf_branch_1,prediction_branch_1,entropy_branch_1,p0_branch_1,p1_branch_1,"
                      "conf_branch_2,prediction_branch_2,entropy_branch_2,p0_branch_2,p1_branch_2,split\n"
                      "0,1,0.7,1,0.61,0.3,0.7,0.9,1,0.33,0.1,0.9,test\n"
                      "1,0,0.8,0,0.5,0.8,0.2,0.6,0,0.67,0.6,0.4,calibration\n");
  Trace t = import_trace(dir + "/in.csv", ImportOptions{"wide", {}, "toy", "toy", "test"});
  REQUIRE(t.exits() == 2);
  CHECK(t.meta.exit_time_s.empty());
  CHECK(t.entropy(0, 1) == 0.33);
  CHECK(t.probability[1](1, 0) == 0.6);
  CHECK(t.split == std::vector<std::string>{"test", "calibration"});
  testing::write_file(dir + "/some_times.csv",
                      ",target,conf_branch_1,prediction_branch_1,delta_inf_time_branch_1,conf_branch_2,"
                      "prediction_branch_2\n0,1,0.7,1,0.01,0.9,1\n");
  CHECK_THROWS_WITH(import_trace(dir + "/some_times.csv", ImportOptions{"wide", {}, "t", "t", "t"}),
                    dir + "/some_times.csv:1: column delta_inf_time_branch_1 is there, but delta_inf_time_branch_2 is "
                          "missing: an optional column must be there for every branch or none");
}

TEST_CASE("shipped traces load and match the per-exit accuracy recorded in their sidecars", "[trace][shipped]") {
  for (const char* name : {"traces/sst2_bert12.csv", "traces/cifar10_mobilenet2.csv"}) {
    Trace t = load_trace(testing::source_path(name));
    REQUIRE(static_cast<int>(t.meta.exit_accuracy.size()) == t.exits());
    for (int e = 0; e < t.exits(); ++e) CHECK(t.exit_accuracy(e) == Approx(t.meta.exit_accuracy[e]).margin(1e-6));
  }
  Trace bert = load_trace(testing::source_path("traces/sst2_bert12.csv"));
  CHECK(bert.samples() == 872);
  CHECK(bert.exits() == 12);
  CHECK(bert.exit_accuracy(0) == Approx(444.0 / 872));
  Trace cifar = load_trace(testing::source_path("traces/cifar10_mobilenet2.csv"));
  CHECK(cifar.samples() == 10000);
  CHECK(cifar.exit_accuracy(0) == Approx(0.7915));
  CHECK(cifar.exit_accuracy(1) == Approx(0.8291));
  CHECK_FALSE(cifar.has_entropy());  // 10 classes and no probabilities: not derivable
}

// The Fashion-MNIST traces of traces/generate (gzip-compressed rows): per-exit accuracy on the
// test split as the generator recorded it, the split sizes it promises, and the facts the
// experiments rely on.
TEST_CASE("generated Fashion-MNIST traces load from .csv.gz and match their sidecars", "[trace][shipped]") {
  for (const char* name : {"traces/fmnist_resnet4.csv.gz", "traces/fmnist_meanet.csv.gz",
                           "traces/fmnist_hybrid_binary.csv.gz", "traces/fmnist_hybrid_4bit.csv.gz"}) {
    INFO(name);
    Trace t = load_trace(testing::source_path(name));
    REQUIRE(t.meta.exit_accuracy_split == "test");
    REQUIRE(static_cast<int>(t.meta.exit_accuracy.size()) == t.exits());
    for (int e = 0; e < t.exits(); ++e)
      CHECK(t.exit_accuracy(e, "test") == Approx(t.meta.exit_accuracy[e]).margin(1e-4));
    CHECK(std::count(t.split.begin(), t.split.end(), "test") == 10000);
    CHECK(std::count(t.split.begin(), t.split.end(), "calibration") == 10000);
    CHECK(t.has_entropy());
    CHECK(t.classes() == 10);
    std::string profile = testing::source_path(name);
    profile.replace(profile.find(".csv.gz"), 7, ".profile.json");
    CHECK_NOTHROW(check_profile_against_trace(load_profile(profile), t.exits(), t.path));
  }
  Trace resnet = load_trace(testing::source_path("traces/fmnist_resnet4.csv.gz"));
  CHECK(resnet.exit_accuracy(3, "test") >= 0.92);  // the bar for the deepest exit
  CHECK(resnet.exit_accuracy(0, "test") < resnet.exit_accuracy(3, "test") - 0.02);
  CHECK(std::count(resnet.split.begin(), resnet.split.end(), "train") == 5000);
  Trace meanet = load_trace(testing::source_path("traces/fmnist_meanet.csv.gz"));
  REQUIRE(meanet.meta.exit_classes.count(1));
  CHECK(meanet.meta.exit_classes.at(1).size() == 4);
  // Training dynamics: every tracked training sample, each a "train" row of the ResNet trace.
  TrainingDynamics d = load_dynamics(testing::source_path("traces/fmnist_resnet4.dynamics.csv.gz"));
  REQUIRE(d.size() == 5000);
  std::map<long long, std::string> split_of;
  for (int s = 0; s < resnet.samples(); ++s) split_of[resnet.sample_ids[s]] = resnet.split[s];
  int in_train = 0;
  for (int i = 0; i < d.size(); ++i) in_train += split_of.count(d.ids[i]) && split_of[d.ids[i]] == "train";
  CHECK(in_train == 5000);
  const double mean_mu = std::accumulate(d.confidence.begin(), d.confidence.end(), 0.0) / d.size();
  CHECK(mean_mu > 0.8);  // a network that fits its training data
  CHECK(mean_mu < 1.0);
}
