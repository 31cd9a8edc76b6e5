#include "batch/runner.hpp"

#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <csignal>
#include <cstring>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "batch/config.hpp"
#include "engines/engine.hpp"
#include "core/error.hpp"
#include "batch/results_table.hpp"
#include "batch/slurm.hpp"
#include "batch/run.hpp"
#include "batch/results_dir.hpp"
#include "core/json_reader.hpp"
#include "model/policy.hpp"
#include "model/summary.hpp"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

// A point is complete when its folder has a summary and the same resolved config.
bool complete(const fs::path& run_dir, const nlohmann::json& resolved) {
  if (!fs::exists(run_dir / "summary.json") || !fs::exists(run_dir / "config.json")) return false;
  try {
    return nlohmann::json::parse(read_text(run_dir / "config.json")) == resolved;
  } catch (const std::exception&) {
    return false;
  }
}

// DIR/experiment.json records which config the directory belongs to. Forced onto a directory of
// another config, the runs that are no point of this one are removed, so that summary.csv and
// the figures never mix two configs.
void claim_directory(const fs::path& dir, const nlohmann::json& original, bool force,
                     const std::vector<RunPoint>& points) {
  const fs::path runs = runs_folder(dir);
  const fs::path marker = dir / "experiment.json";
  nlohmann::json record = original;
  if (const auto recorded = read_experiment(dir)) {
    const nlohmann::json& previous = recorded->config;
    // What tiersim recorded beside the config (`tiersim slurm`: the inputs' hashes, the shards)
    // stays, and is no part of the comparison.
    if (previous == original && !recorded->extras.is_null()) record[kExperimentExtras] = recorded->extras;
    if (previous != original && !force)
      throw InputError(fmt::format("{}: holds the results of a different config (see {}); use another directory "
                                   "or --force", dir.string(), marker.string()));
    if (previous != original) {
      std::set<std::string> ids;
      for (const auto& p : points) ids.insert(p.id);
      // Direct children of runs/ only; remove_all deletes a link, not what it points to.
      for (const auto& entry : fs::directory_iterator(runs))
        if (!ids.count(entry.path().filename().string())) fs::remove_all(entry.path());
    }
  }
  write_text_atomically(marker, record.dump(2) + "\n");
}

class Progress {
 public:
  explicit Progress(int total) : total_(total), tty_(isatty(fileno(stdout))), start_(std::chrono::steady_clock::now()) {}
  void done(const std::string& id, bool ok) {
    ++done_;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = done_ / std::max(elapsed, 1e-9), eta = (total_ - done_) / std::max(rate, 1e-9);
    if (tty_) {
      const int width = 30, filled = total_ ? width * done_ / total_ : width;
      fmt::print("\r[{}{}] {}/{} points, {:.2f}/s, ETA {:.0f} s ", std::string(filled, '#'),
                 std::string(width - filled, '.'), done_, total_, rate, eta);
      if (done_ == total_) fmt::print("\n");
    } else {
      fmt::print("[{}/{}] {} {} ({:.2f} points/s, ETA {:.0f} s)\n", done_, total_, id, ok ? "done" : "FAILED", rate, eta);
    }
    std::fflush(stdout);
  }

 private:
  int total_, done_ = 0;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

// Child process: runs its points one after the other, loading their shared inputs once (a
// batch is one SimGrid point, or analytic points with the same inputs); a point's failure goes
// to DIR/runs/<id>.error. Never returns.
[[noreturn]] void run_batch_child(const std::vector<std::pair<Experiment, const RunPoint*>>& batch, const std::string& out_dir) {
  std::shared_ptr<RunInputs> inputs;
  for (const auto& [x, point] : batch) {
    const auto started = std::chrono::steady_clock::now();
    try {
      if (!inputs) inputs = load_run_inputs(x);
      RunSetup setup(inputs, x);
      run_experiment(x, setup, out_dir, point->config, point->values, started);
    } catch (const std::exception& e) {
      record_error(out_dir, x.name, e.what());
    }
  }
  std::fflush(nullptr);
  _exit(0);
}

// How a worker that wrote no .error ended, for the report.
std::string worker_end(int status) {
  if (WIFSIGNALED(status))
    return fmt::format("worker killed by signal {} ({}) before the point was complete", WTERMSIG(status),
                       strsignal(WTERMSIG(status)));
  return fmt::format("worker ended with status {} before the point was complete", WEXITSTATUS(status));
}

// Every point's policy parameters are read before the results directory is claimed (a bad
// parameter is one error line, and leaves nothing behind). One warning per policy and engine:
// an adaptive policy that reads the system's state on an engine without load sees only the
// zero-load state.
void check_policies(const std::vector<std::pair<Experiment, const RunPoint*>>& todo, const std::string& config_path) {
  std::set<std::string> checked;
  std::set<std::pair<std::string, std::string>> warned;
  for (const auto& [x, point] : todo) {
    if (!checked.insert(x.policy_name + "\n" + x.policy_params.dump() + "\n" + x.engine).second) continue;
    const bool reads_state = make_policy(x.policy_name, x.policy_params, config_path)->needs().state;
    if (!reads_state || find_engine(x.engine, config_path + ": /simulation/engine").live_state) continue;
    if (!warned.insert({x.policy_name, x.engine}).second) continue;
    fmt::print(stderr,
               "tiersim: warning: {}: policy \"{}\" reads the system's state, but the {} engine has no load: it sees "
               "the zero-load state (summary: state: zero-load); use the simgrid engine for queues and backlog\n",
               config_path, x.policy_name, x.engine);
  }
}

// The warnings a point's summary records, counted once per point.
void count_warnings(const nlohmann::ordered_json& summary, RunnerReport& report) {
  if (!has(summary, summary::warnings)) return;
  for (const auto& w : get(summary, summary::warnings, "summary.json")) {
    auto it = std::find_if(report.warnings.begin(), report.warnings.end(),
                           [&](const auto& seen) { return seen.first == w.template get<std::string>(); });
    if (it == report.warnings.end()) report.warnings.emplace_back(w.get<std::string>(), 1);
    else ++it->second;
  }
}
void count_warnings(const std::string& summary_text, RunnerReport& report) {
  // A summary this runner's worker just wrote; unreadable (full disk) means no warnings to count.
  auto parsed = parse_json_text(summary_text, "summary.json");
  if (parsed && parsed->is_object()) count_warnings(nlohmann::ordered_json::parse(summary_text), report);
}

}  // namespace

RunnerReport run_points(const std::vector<RunPoint>& points, const nlohmann::json& original_config,
                        const std::string& config_path, const std::string& out_dir, const RunnerOptions& options) {
  if (options.shards < 1) throw InputError(fmt::format("--shard: expected N >= 1 shards, got {}", options.shards));
  if (options.shard < 0 || options.shard >= options.shards)
    throw InputError(fmt::format("--shard: expected 0 <= I < N, got {}/{}", options.shard, options.shards));
  std::vector<std::pair<Experiment, const RunPoint*>> todo;
  for (std::size_t i = 0; i < points.size(); ++i) {
    Experiment x = parse_experiment(points[i].config, config_path);
    x.name = points[i].id;
    x.requests_csv = x.requests_csv || options.requests_csv;
    if (static_cast<int>(i % static_cast<std::size_t>(options.shards)) == options.shard) todo.emplace_back(x, &points[i]);
  }
  check_policies(todo, config_path);
  const fs::path dir(out_dir);
  // Held until the runner returns: a second runner here would delete this one's .partial folders.
  const ResultsLock lock(dir, options.shard, options.shards);
  claim_directory(dir, original_config, options.force, points);
  // Leftovers of a killed run: a point is only ever complete under its final name.
  for (const auto& point : todo) fs::remove_all(run_path(dir, point.second->id + ".partial"));
  RunnerReport report;
  std::vector<std::pair<Experiment, const RunPoint*>> pending;
  for (auto& item : todo) {
    if (options.resume && complete(dir / "runs" / item.second->id, item.second->config))
      ++report.skipped;
    else
      pending.push_back(item);
  }
  if (pending.size() == 1 && options.single_point_in_process) {  // in this process: errors surface as they are, and go to .error as a worker's do
    fs::remove(run_path(dir, pending[0].second->id + ".error"));
    try {
      count_warnings(run_experiment(pending[0].first, out_dir, pending[0].second->config, pending[0].second->values),
                     report);
    } catch (const std::exception& e) {
      record_error(dir, pending[0].second->id, e.what());
      throw;
    }
    report.ran = 1;
    rebuild_results_tables(out_dir);
    return report;
  }
  // Work items: a point of an engine that is not batchable alone (SimGrid: one engine per
  // process); points of a batchable engine (analytic) that share their inputs in batches, so
  // that a worker loads the trace and platform once per batch.
  std::vector<std::vector<std::size_t>> items;
  std::map<std::string, std::vector<std::size_t>> analytic_groups;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (find_engine(pending[i].first.engine, config_path + ": /simulation/engine").batchable)
      analytic_groups[run_inputs_key(pending[i].first)].push_back(i);
    else
      items.push_back({i});
  }
  const std::size_t workers = static_cast<std::size_t>(std::max(1, options.jobs));
  for (const auto& [key, group] : analytic_groups) {
    // About four batches per worker: balanced, and progress moves.
    const std::size_t size = std::max<std::size_t>(1, (group.size() + 4 * workers - 1) / (4 * workers));
    for (std::size_t start = 0; start < group.size(); start += size)
      items.emplace_back(group.begin() + static_cast<long>(start),
                         group.begin() + static_cast<long>(std::min(group.size(), start + size)));
  }
  Progress progress(static_cast<int>(pending.size()));
  std::map<pid_t, std::size_t> running;  // pid -> item
  std::size_t next = 0;
  auto reap = [&] {
    int status = 0;
    const pid_t pid = wait(&status);
    if (pid < 0) return;
    const std::size_t item = running.at(pid);
    running.erase(pid);
    for (std::size_t i : items[item]) {
      const std::string& id = pending[i].second->id;
      const fs::path error = dir / "runs" / (id + ".error");
      const bool ok = fs::exists(dir / "runs" / id / "summary.json") && !fs::exists(error) &&
                      WIFEXITED(status) && WEXITSTATUS(status) == 0;
      ++report.ran;
      if (!ok) {
        ++report.failed;
        std::string message = fs::exists(error) ? read_text(error) : worker_end(status);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        report.failures.push_back(fmt::format("{}: {}", id, message));
        // A worker killed mid-point (SIGKILL, out of memory) leaves its point half-written.
        std::error_code ignored;
        fs::remove_all(run_path(dir, id + ".partial"), ignored);
        if (!fs::exists(error) && !fs::exists(dir / "runs" / id / "summary.json")) record_error(dir, id, message);
      }
      if (ok) count_warnings(read_text(dir / "runs" / id / "summary.json"), report);
      if (options.progress) progress.done(id, ok);
    }
  };
  std::fflush(nullptr);
  while (next < items.size() || !running.empty()) {
    if (next < items.size() && running.size() < workers) {
      std::vector<std::pair<Experiment, const RunPoint*>> batch;
      for (std::size_t i : items[next]) {
        fs::remove(run_path(dir, pending[i].second->id + ".error"));
        batch.push_back(pending[i]);
      }
      const pid_t parent = getpid();
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        // A worker dies with its runner (SIGINT, SIGKILL, ...): no orphan may go on writing a
        // point while a resumed runner redoes it.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        run_batch_child(batch, out_dir);
      }
      running[pid] = next++;
    } else {
      reap();
    }
  }
  rebuild_results_tables(out_dir);
  return report;
}

}  // namespace tiersim
