#include "batch/compare.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <map>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "batch/run.hpp"
#include "batch/results_dir.hpp"
#include "core/names.hpp"
#include "model/summary.hpp"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

struct Row {
  std::string run, policy, values;
  double accuracy, mobile, edge, cloud, p50, p95, energy, cost;
  bool has_cost, pareto_energy = false, pareto_latency = false;
};

Row read_row(const fs::path& run_dir) {
  const std::string file = (run_dir / "summary.json").string();
  std::ifstream in(file);
  auto s = nlohmann::json::parse(in);
  auto number = [&](const SummaryField& field) { return get_number(s, field, file); };
  Row r;
  r.run = run_dir.filename().string();
  r.policy = get(s, summary::policy, file).get<std::string>();
  std::vector<std::string> values;
  if (has(s, summary::sweep))
    for (const auto& [k, v] : get(s, summary::sweep, file).items()) values.push_back(k + "=" + v.dump());
  r.values = fmt::format("{}", fmt::join(values, " "));
  r.accuracy = number(summary::accuracy);
  r.mobile = number(summary::exit_mobile);
  r.edge = number(summary::exit_edge);
  r.cloud = number(summary::exit_cloud);
  r.p50 = number(summary::latency_p50);
  r.p95 = number(summary::latency_p95);
  r.energy = number(summary::energy_total);
  r.has_cost = has(s, summary::cost_units);
  r.cost = r.has_cost ? number(summary::cost_units) : 0.0;
  return r;
}

// Pareto-optimal: no other run is at least as accurate and at most as costly, and better in one.
void mark_pareto(std::vector<Row>& rows, double Row::*cost, bool Row::*flag) {
  for (auto& a : rows) {
    a.*flag = std::none_of(rows.begin(), rows.end(), [&](const Row& b) {
      return b.accuracy >= a.accuracy && b.*cost <= a.*cost && (b.accuracy > a.accuracy || b.*cost < a.*cost);
    });
  }
}

}  // namespace

std::string compare_runs(const std::string& out_dir) {
  const fs::path dir(out_dir);
  std::vector<Row> rows;
  for (const auto& run : completed_runs(out_dir)) rows.push_back(read_row(run));
  if (rows.empty()) throw InputError(fmt::format("{}: no completed runs under runs/ to compare", out_dir));
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.policy, a.energy, a.run) < std::tie(b.policy, b.energy, b.run);
  });
  mark_pareto(rows, &Row::energy, &Row::pareto_energy);
  mark_pareto(rows, &Row::p95, &Row::pareto_latency);
  const bool any_cost = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.has_cost; });

  using namespace summary;
  std::string csv = fmt::format("policy,run,values,{},pareto_accuracy_energy,pareto_accuracy_latency\n",
                                fmt::join(std::vector<std::string_view>{accuracy.id, exit_mobile.id, exit_edge.id,
                                                                        exit_cloud.id, latency_p50.id, latency_p95.id,
                                                                        energy_total.id, cost_units.id},
                                          ","));
  std::string md = fmt::format("# Comparison of {} runs in {}\n\nPareto-optimal (✓): no other run is at least as "
                               "accurate and at most as costly. E = accuracy vs energy, L = accuracy vs p95 latency.\n",
                               rows.size(), out_dir);
  std::string current;
  for (const auto& r : rows) {
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.policy), csv_field(r.run), csv_field(r.values), r.accuracy, r.mobile,
                       r.edge, r.cloud, r.p50, r.p95, r.energy, r.has_cost ? fmt::format("{}", r.cost) : "",
                       r.pareto_energy ? 1 : 0, r.pareto_latency ? 1 : 0);
    if (r.policy != current) {
      current = r.policy;
      md += fmt::format("\n## {}\n\n| run | values | accuracy | exits mobile/edge/cloud | p50 (s) | p95 (s) | energy (J) |{} E | L |\n"
                        "|---|---|---|---|---|---|---|{}---|---|\n",
                        r.policy, any_cost ? " cost |" : "", any_cost ? "---|" : "");
    }
    md += fmt::format("| {} | {} | {:.4f} | {:.3f} / {:.3f} / {:.3f} | {:.4g} | {:.4g} | {:.4g} |{} {} | {} |\n", r.run,
                      r.values.empty() ? "—" : r.values, r.accuracy, r.mobile, r.edge, r.cloud, r.p50, r.p95, r.energy,
                      any_cost ? (r.has_cost ? fmt::format(" {:.4g} |", r.cost) : " — |") : "",
                      r.pareto_energy ? "✓" : "", r.pareto_latency ? "✓" : "");
  }
  write_text_atomically(dir / "compare.csv", csv);
  write_text_atomically(dir / "compare.md", md);
  return md;
}

int merge_runs(const std::string& out_dir, const std::vector<std::string>& sources) {
  const fs::path dir(out_dir);
  const ResultsLock lock(dir);
  runs_folder(dir);
  int copied = 0;
  for (const auto& source : sources) {
    if (!fs::exists(fs::path(source) / "runs")) throw InputError(fmt::format("{}: no runs/ folder to merge", source));
    for (const auto& run : completed_runs(source)) {  // incomplete points stay out
      const std::string name = run.filename().string();
      if (!is_safe_name(name))
        throw InputError(fmt::format("{}: not a run tiersim wrote (expected a name of letters, digits, '.', '_', '-')",
                                     run.string()));
      const fs::path target = run_path(dir, name);
      if (fs::exists(target / "summary.json")) continue;
      const fs::path partial = run_path(dir, name + ".partial");
      fs::remove_all(partial);
      fs::copy(run, partial, fs::copy_options::recursive);
      fs::remove_all(target);
      fs::rename(partial, target);
      ++copied;
    }
    if (!fs::exists(dir / "experiment.json") && fs::exists(fs::path(source) / "experiment.json")) {
      write_text_atomically(dir / "experiment.json", read_text(fs::path(source) / "experiment.json"));
    }
  }
  rebuild_summary_csv(out_dir);
  return copied;
}

namespace {

// A word for bash: in single quotes, each ' written as '\''.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Paths go into #SBATCH lines (in double quotes) and commands: no control character (a newline
// would start a command of its own) and no double quote.
void check_script_path(const std::string& option, const std::string& path) {
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f || c == '"')
      throw InputError(fmt::format("{}: expected a path without control characters or double quotes, got {}", option,
                                   nlohmann::json(path).dump()));
}

// SLURM's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
// days-hours:minutes, days-hours:minutes:seconds.
void check_time_limit(const std::string& time_limit) {
  static const std::regex format("([0-9]+-)?[0-9]+(:[0-9]+){0,2}");
  if (!std::regex_match(time_limit, format))
    throw InputError(fmt::format("--time: expected a SLURM time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
                                 "D-HH:MM:SS), got {}",
                                 nlohmann::json(time_limit).dump()));
}

}  // namespace

std::string write_slurm_scripts(const std::string& binary, const std::string& config_path, const std::string& out_dir,
                                int array, int cpus, const std::string& time_limit) {
  if (array < 1) throw InputError(fmt::format("--array: expected N >= 1 tasks, got {}", array));
  check_time_limit(time_limit);
  check_script_path("config", config_path);
  check_script_path("--out", out_dir);
  check_script_path("the tiersim binary", binary);
  const fs::path dir = fs::absolute(out_dir);
  fs::create_directories(dir);
  const std::string config = shell_quote(fs::absolute(config_path).string()), bin = shell_quote(fs::absolute(binary).string());
  const std::string out = shell_quote(dir.string());
  const std::string array_script = fmt::format(
      "#!/bin/bash\n"
      "# tiersim job array: task i runs shard i of {0} of {1}; written by `tiersim slurm`.\n"
      "#SBATCH --job-name=tiersim\n#SBATCH --array=0-{2}\n#SBATCH --cpus-per-task={3}\n#SBATCH --time={4}\n"
      "#SBATCH --output=\"{5}/slurm-%A_%a.out\"\n"
      "exec {6} run {1} -o {7} -j {3} --resume --shard \"$SLURM_ARRAY_TASK_ID/{0}\"\n",
      array, config, array - 1, cpus, time_limit, dir.string(), bin, out);
  const std::string merge_script = fmt::format(
      "#!/bin/bash\n# tiersim merge after the job array; written by `tiersim slurm`.\n"
      "#SBATCH --job-name=tiersim-merge\n#SBATCH --cpus-per-task=1\n#SBATCH --time=00:10:00\n"
      "#SBATCH --output=\"{0}/slurm-merge-%j.out\"\n"
      "exec {1} merge {2}\n",
      dir.string(), bin, out);
  const std::string submit = fmt::format(
      "#!/bin/bash\n# Submits the job array, then the merge once every task has ended.\nset -euo pipefail\n"
      "array=$(sbatch --parsable {0})\n"
      "merge=$(sbatch --parsable --dependency=afterany:${{array%%;*}} {1})\n"
      "echo \"job array $array, merge $merge\"\n",
      shell_quote((dir / "tiersim.sbatch").string()), shell_quote((dir / "merge.sbatch").string()));
  for (const auto& [name, text] : {std::pair{"tiersim.sbatch", array_script}, std::pair{"merge.sbatch", merge_script},
                                   std::pair{"submit.sh", submit}}) {
    write_text_atomically(dir / name, text);
    fs::permissions(dir / name, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
  }
  return (dir / "submit.sh").string();
}

}  // namespace tiersim
