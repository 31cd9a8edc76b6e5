#pragma once
// Running a sweep on a SLURM cluster: `tiersim slurm` copies the config and every file it
// names into DIR/inputs/ (their sha256 recorded in DIR/experiment.json), then writes
// DIR/tiersim.sbatch (a job array, task i running shard i of N of the copied config),
// DIR/merge.sbatch and DIR/submit.sh (the array, then the merge once it has ended). The jobs
// refer only to paths inside DIR, so the directory can be moved to or shared with the cluster.
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace tiersim {

struct SlurmOptions {
  int array = 1;  // tasks of the job array (shards)
  int cpus = 1;   // CPUs per task: its -j
  std::string time_limit = "01:00:00";
  // Passed through as #SBATCH lines when given ("" = not given).
  std::string partition, account, qos, mem, constraint;
};

// Copies `config_path` and the files it names (trace and its sidecar, profile, platform, and
// any other string of the config, its sweep included, that names an existing file) into
// DIR/inputs/, rewriting those strings to the copies' names. Returns the copied config.
// `hashes` gets file name (in inputs/) -> sha256 hex.
nlohmann::json copy_inputs(const nlohmann::json& config, const std::string& config_path, const std::string& out_dir,
                           std::map<std::string, std::string>& hashes);

// Writes the inputs, experiment.json and the three scripts; returns the submit script's path.
std::string write_slurm_scripts(const std::string& tiersim_binary, const std::string& config_path,
                                const std::string& out_dir, const SlurmOptions& options);

// sha256 of a file, lowercase hex (OpenSSL). InputError naming the file when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace tiersim
