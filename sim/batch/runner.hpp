#pragma once
// Runs the points of an experiment: in this process for a single point, else in parallel
// worker processes (SimGrid allows one engine per process), with resume and sharding.
#include <map>
#include <string>
#include <vector>

#include "batch/sweep.hpp"

namespace tiersim {

struct RunnerOptions {
  int jobs = 1;                 // worker processes
  bool resume = false;          // skip points whose complete outputs exist for the same resolved config
  bool force = false;           // allow a directory holding another config's results
  int shard = 0, shards = 1;    // run only points i with i % shards == shard
  bool requests_csv = false;
  // A single point runs in this process (its errors surface as they are) unless false: the
  // Python module keeps the interpreter's process free of SimGrid's one engine.
  bool single_point_in_process = true;
  bool progress = true;  // a line (or bar) per point on stdout
};

struct RunnerReport {
  int ran = 0, skipped = 0, failed = 0;
  std::vector<std::string> failures;  // "id: message"
  // Each distinct warning of the points run, in the order first seen, and how many points had it.
  std::vector<std::pair<std::string, int>> warnings;
};

// Parses every point first (config errors throw InputError before anything runs), then runs.
RunnerReport run_points(const std::vector<RunPoint>& points, const nlohmann::json& original_config,
                        const std::string& config_path, const std::string& out_dir, const RunnerOptions& options);

}  // namespace tiersim
