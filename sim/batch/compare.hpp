#pragma once
// Comparing the runs of a results directory: a table per policy and the Pareto-optimal points.
#include <string>
#include <vector>

namespace tiersim {

// Reads DIR/runs/*/summary.json; writes DIR/compare.csv and DIR/compare.md; returns the Markdown.
std::string compare_runs(const std::string& out_dir);

// Copies the complete runs of each source directory into `out_dir` and rebuilds its summary.csv.
// Returns the number of runs copied.
int merge_runs(const std::string& out_dir, const std::vector<std::string>& sources);

// Writes DIR/tiersim.sbatch (a job array running shard i of N), DIR/merge.sbatch and
// DIR/submit.sh (submits both, the merge after the array). Returns the submit script's path.
std::string write_slurm_scripts(const std::string& tiersim_binary, const std::string& config_path,
                                const std::string& out_dir, int array, int cpus, const std::string& time_limit);

}  // namespace tiersim
