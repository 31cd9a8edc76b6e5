#pragma once
// A results directory and what tiersim owns in it:
//   DIR/experiment.json   the config the directory belongs to
//   DIR/runs/ID/          one complete point (ID: core/names.hpp's safe names only)
//   DIR/runs/ID.partial/  a point being written (renamed to ID once complete)
//   DIR/runs/ID.error     why a point failed
//   DIR/summary.csv, DIR/metrics.csv, DIR/compare.csv, DIR/compare.md, DIR/figures/
//   DIR/inputs/           the config and the files it names, copied by `tiersim slurm`
//   DIR/tiersim.sbatch, DIR/merge.sbatch, DIR/submit.sh, DIR/slurm-*.out
//   DIR/.tiersim.lock     the runners' lock (and .tiersim.shard-I-of-N.lock per shard)
// tiersim deletes and renames only these, never through a symbolic link: a link in their place
// is replaced (files) or refused (runs/), and writes go to a temporary file renamed over the
// target.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace tiersim {

// Writes `text` to a temporary file beside `path` (unique to this process) and renames it over
// `path`: readers see the old or the new file, never half of one, and a symbolic link at `path`
// is replaced rather than written through. Throws std::runtime_error naming `path` when the
// write fails (a full disk).
void write_text_atomically(const std::filesystem::path& path, const std::string& text);

// A whole file tiersim wrote there ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

// Writes a failed point's DIR/runs/ID.error (its message and a newline). Never throws: on a
// full disk the message is lost and the runner reports the point by its worker's status.
void record_error(const std::filesystem::path& dir, const std::string& id, const std::string& message);

// The key of experiment.json where tiersim records what it knows beside the config (`tiersim
// slurm`: the inputs' sha256 and the number of shards). Not part of the config: configs are
// compared without it.
inline constexpr const char* kExperimentExtras = "x-tiersim";

// DIR/experiment.json split into the config the directory belongs to and the extras recorded
// beside it (null when none). nullopt when the file does not exist; a config of null when it
// is not a JSON object (a copied or damaged directory), which no config equals.
struct RecordedExperiment {
  nlohmann::json config, extras;
};
std::optional<RecordedExperiment> read_experiment(const std::filesystem::path& dir);

// DIR/NAME (a folder tiersim owns: runs, inputs), created if missing; InputError when it is a
// symbolic link, saying it holds `what`.
std::filesystem::path owned_folder(const std::filesystem::path& dir, const std::string& name, const std::string& what);

// DIR/runs, created if missing; InputError when it (or DIR) is a symbolic link or not a folder.
std::filesystem::path runs_folder(const std::filesystem::path& dir);

// DIR/runs/NAME, for NAME a safe name (core/names.hpp); std::logic_error otherwise, so that no
// remove_all or rename can reach outside DIR/runs.
std::filesystem::path run_path(const std::filesystem::path& dir, const std::string& name);

// An exclusive lock on a results directory while a runner works in it (flock, released when
// the process ends, also by SIGKILL). A run of shard I of N takes a shared lock on the directory
// and an exclusive one on the shard, so the tasks of a job array run side by side while a second
// runner of the same points is refused. InputError when another process holds it; on a file
// system without locks, a warning and no lock.
class ResultsLock {
 public:
  explicit ResultsLock(const std::filesystem::path& dir, int shard = 0, int shards = 1);
  ~ResultsLock();
  ResultsLock(const ResultsLock&) = delete;
  ResultsLock& operator=(const ResultsLock&) = delete;

 private:
  int dir_fd_ = -1, shard_fd_ = -1;
};

}  // namespace tiersim
