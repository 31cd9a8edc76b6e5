#pragma once
// Training dynamics for data cartography (Swayamdipta et al., EMNLP 2020): per training
// sample, the probability of its gold label at every epoch, summarised as confidence mu
// (mean over epochs) and variability sigma (population standard deviation).
#include <string>
#include <vector>

namespace tiersim {

struct TrainingDynamics {
  std::string path;
  std::vector<long long> ids;        // sample ids, ascending
  std::vector<double> confidence;    // mu
  std::vector<double> variability;   // sigma
  int size() const { return static_cast<int>(ids.size()); }
};

// Reads either
//  * a CSV with columns sample, epoch, gold_prob (and optionally exit: rows of `exit` are used,
//    default the highest exit in the file), one row per sample and epoch; or
//  * a data map, JSON lines as written by the cartography code: {"guid": id, "confidence": mu,
//    "variability": sigma, ...} (files ending in .jsonl).
// Errors name the file and line.
TrainingDynamics load_dynamics(const std::string& path, int exit = -1);

enum class Pool : int { Easy = 0, Medium = 1, Hard = 2 };
inline constexpr const char* kPoolNames[] = {"easy", "medium", "hard"};

// k-means with k = 3 in (mu, sigma), started from the samples of lowest, median and highest mu
// and iterated to a fixed point; pools named by their centre's mu (highest = easy).
std::vector<Pool> kmeans_pools(const TrainingDynamics& d);

// mu >= easy_min -> easy; mu < hard_max -> hard; else medium.
std::vector<Pool> threshold_pools(const TrainingDynamics& d, double easy_min, double hard_max);

}  // namespace tiersim
