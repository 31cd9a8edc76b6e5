#pragma once
// Comparing the runs of a results directory: a table per policy and the Pareto-optimal points.
#include <map>
#include <string>
#include <vector>

namespace tiersim {

// Reads DIR/runs/*/summary.json; writes DIR/compare.csv and DIR/compare.md; returns the Markdown.
std::string compare_runs(const std::string& out_dir);

struct MergeReport {
  int copied = 0;                 // runs copied in from the sources
  int points = -1;                // points of the directory's config (-1: no readable experiment.json)
  std::vector<std::string> missing;  // ids of its points with no complete run
  int shards = 0;                 // shards `tiersim slurm` split it into (0: not known)
  std::map<int, int> missing_by_shard;  // shard -> points missing there (when shards are known)
};

// Copies the complete runs of each source directory into `out_dir`, rebuilds its summary.csv
// and metrics.csv, and says which points of DIR/experiment.json's config are still missing.
MergeReport merge_runs(const std::string& out_dir, const std::vector<std::string>& sources);

}  // namespace tiersim
