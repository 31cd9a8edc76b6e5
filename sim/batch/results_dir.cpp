#include "batch/results_dir.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/names.hpp"

namespace tiersim {

namespace fs = std::filesystem;

void write_text_atomically(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp.{}", getpid());  // shards of a job array may write the same file at once
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error(fmt::format("{}: write failed (disk full?)", path.string()));
  }
  fs::rename(tmp, path);  // replaces a link at `path`, never its target
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void record_error(const fs::path& dir, const std::string& id, const std::string& message) {
  try {
    write_text_atomically(run_path(dir, id + ".error"), message + "\n");
  } catch (const std::exception&) {
  }
}

std::optional<RecordedExperiment> read_experiment(const fs::path& dir) {
  const fs::path marker = dir / "experiment.json";
  if (!fs::exists(marker)) return std::nullopt;
  RecordedExperiment r;
  auto parsed = parse_json_text(read_text(marker), marker.string());
  if (!parsed || !parsed->is_object()) return r;
  if (parsed->contains(kExperimentExtras)) {
    r.extras = (*parsed)[kExperimentExtras];
    parsed->erase(kExperimentExtras);
  }
  r.config = std::move(*parsed);
  return r;
}

fs::path owned_folder(const fs::path& dir, const std::string& name, const std::string& what) {
  const fs::path folder = dir / name;
  if (fs::is_symlink(folder))
    throw InputError(fmt::format("{}: a symbolic link (expected the folder of {}; tiersim deletes there and never "
                                 "through a link)", folder.string(), what));
  fs::create_directories(folder);
  return folder;
}

fs::path runs_folder(const fs::path& dir) { return owned_folder(dir, "runs", "tiersim's runs"); }

fs::path run_path(const fs::path& dir, const std::string& name) {
  if (!is_safe_name(name)) throw std::logic_error("unsafe run name \"" + name + "\" reached the results directory");
  return dir / "runs" / name;
}

namespace {

constexpr int kHeld = -1, kUnlocked = -2;

// Opens (creating) a lock file and takes the lock without waiting: its descriptor, kHeld when
// another process holds it, or kUnlocked (after a warning) on a file system without locks (an
// NFS mount without lockd): the run goes on unprotected rather than not at all.
int take_lock(const fs::path& file, int operation) {
  const int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    throw InputError(fmt::format("{}: cannot open the results directory's lock ({}; expected a writable directory, "
                                 "the lock a plain file)", file.string(), std::strerror(errno)));
  if (flock(fd, operation | LOCK_NB) == 0) return fd;
  const int error = errno;
  close(fd);
  if (error == EWOULDBLOCK) return kHeld;
  fmt::print(stderr, "tiersim: warning: {}: cannot lock ({}); a second runner in this directory would not be "
             "stopped\n", file.string(), std::strerror(error));
  return kUnlocked;
}

}  // namespace

ResultsLock::ResultsLock(const fs::path& dir, int shard, int shards) {
  fs::create_directories(dir);
  const bool sharded = shards > 1;
  const fs::path lock = dir / ".tiersim.lock";
  dir_fd_ = take_lock(lock, sharded ? LOCK_SH : LOCK_EX);
  if (dir_fd_ == kHeld)
    throw InputError(fmt::format("{}: another tiersim run is writing results here (it holds {}); wait for it to end "
                                 "or use another directory", dir.string(), lock.string()));
  if (!sharded) return;
  const fs::path shard_lock = dir / fmt::format(".tiersim.shard-{}-of-{}.lock", shard, shards);
  shard_fd_ = take_lock(shard_lock, LOCK_EX);
  if (shard_fd_ == kHeld) {
    if (dir_fd_ >= 0) close(dir_fd_);
    throw InputError(fmt::format("{}: another tiersim run is writing shard {}/{} here (it holds {}); wait for it to "
                                 "end or use another directory", dir.string(), shard, shards, shard_lock.string()));
  }
}

ResultsLock::~ResultsLock() {
  if (shard_fd_ >= 0) close(shard_fd_);
  if (dir_fd_ >= 0) close(dir_fd_);
}

}  // namespace tiersim
