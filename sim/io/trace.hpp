#pragma once
// A confidence trace: what a multi-exit network did on every sample at every exit.
// Stored column-major (samples x exits) so a policy can sweep one exit for all samples.
#include <Eigen/Core>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tiersim {

using IntMatrix = Eigen::Array<int, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
// Confidences, entropies and probabilities are doubles: a threshold equal to a sample's own value
// must decide as the published rule does on the value written in the trace (float32 would round
// 0.9 to 0.899999976 and flip ">= 0.9"). traces/FORMAT.md, "Precision".
using RealMatrix = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

struct TraceMeta {
  std::vector<std::string> class_names;
  std::vector<std::string> exit_names;
  std::string dataset, model, source;
  std::vector<double> exit_accuracy;  // as recorded by the producer (optional, may be empty)
  std::string exit_accuracy_split;    // the split exit_accuracy was measured on ("" = all samples)
  std::vector<double> exit_time_s;    // measured mean seconds per exit's stage (optional)
  std::string notes;
  // Exits whose classifier covers only some classes (e.g. MEANet's extension over the hard
  // classes): exit index -> class indices. Predictions there stay within the set.
  std::map<int, std::vector<int>> exit_classes;
};

struct Trace {
  std::string path;  // the CSV file it was read from
  TraceMeta meta;
  std::vector<long long> sample_ids;  // original ids, ascending
  std::vector<std::string> split;     // per sample; empty strings when the trace has no split column
  Eigen::ArrayXi label;               // per sample
  IntMatrix prediction;               // samples x exits
  RealMatrix confidence;             // samples x exits, max softmax
  RealMatrix entropy;                // samples x exits (natural log); 0x0 when not derivable
  std::vector<RealMatrix> probability;  // per exit: samples x classes; empty when absent
  bool probability_derived = false;      // computed from max softmax (2 classes), not read

  int samples() const { return static_cast<int>(label.size()); }
  int exits() const { return static_cast<int>(confidence.cols()); }
  int classes() const { return static_cast<int>(meta.class_names.size()); }
  bool has_entropy() const { return entropy.size() > 0; }
  bool has_probabilities() const { return !probability.empty(); }
  // Over the samples of `split` ("" = all samples).
  double exit_accuracy(int exit, const std::string& split = "") const;
  double mean_confidence(int exit, const std::string& split = "") const;
  // Row indices of the samples in `split` ("" = every sample), in trace order.
  std::vector<int> samples_in(const std::string& split) const;
  // Split names in order of first appearance (empty when the trace has no split column).
  std::vector<std::string> split_names() const;
};

// Sidecar path for a trace CSV: "x.csv" -> "x.json".
std::string sidecar_path(const std::string& csv_path);

// Reads CSV + sidecar. Throws InputError naming file and line for any bad row.
Trace load_trace(const std::string& csv_path);

// Writes the canonical CSV and sidecar (used by importers and generators).
void write_trace(const Trace& trace, const std::string& csv_path);

// Marks each sample "calibration" with probability `fraction` (a seeded draw per sample id,
// so the same ids split the same way), else "test".
void assign_split(Trace& trace, double fraction, std::uint64_t seed);

// Entropy (natural log) of a binary softmax from its max probability: exact for 2 classes.
double binary_entropy(double max_prob);

}  // namespace tiersim
