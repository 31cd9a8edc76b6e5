// tiersim command line: run / validate experiments, import and inspect traces.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include "calibrate.hpp"
#include "compare.hpp"
#include "config.hpp"
#include "error.hpp"
#include "json_reader.hpp"
#include "policy.hpp"
#include "run.hpp"
#include "runner.hpp"
#include "sweep.hpp"
#include "trace_import.hpp"

using namespace tiersim;

namespace {

void print_trace_info(const std::string& path) {
  Trace t = load_trace(path);
  fmt::print("trace    {}\n", path);
  fmt::print("dataset  {}\nmodel    {}\nsource   {}\n", t.meta.dataset, t.meta.model, t.meta.source);
  fmt::print("samples  {}\nexits    {}\nclasses  {}\nentropy  {}\n", t.samples(), t.exits(), t.classes(),
             t.has_entropy() ? "yes" : "no");
  std::vector<std::string> splits = {""};  // all samples first, then each split
  for (const auto& s : t.split_names()) {
    splits.push_back(s);
    fmt::print("split    {}: {} samples\n", s, std::count(t.split.begin(), t.split.end(), s));
  }
  for (const auto& split : splits) {
    if (splits.size() > 1) fmt::print("\n{}\n", split.empty() ? "all samples" : "split " + split);
    fmt::print("{:>4}  {:<12} {:>9} {:>16}\n", "exit", "name", "accuracy", "mean confidence");
    for (int e = 0; e < t.exits(); ++e)
      fmt::print("{:>4}  {:<12} {:>9.4f} {:>16.4f}\n", e, t.meta.exit_names[e], t.exit_accuracy(e, split),
                 t.mean_confidence(e, split));
  }
}

void print_summary_line(const std::string& name, const nlohmann::ordered_json& s) {
  fmt::print("{}: {} requests, accuracy {:.4f}, exits mobile/edge/cloud {:.3f}/{:.3f}/{:.3f}, latency mean {:.4g} s "
             "p95 {:.4g} s, energy {:.4g} J/inference, engine {} ({}), {:.2f} s wall\n",
             name, s["requests"].get<long long>(), s["accuracy"].get<double>(),
             s["exit_fraction"]["mobile"].get<double>(), s["exit_fraction"]["edge"].get<double>(),
             s["exit_fraction"]["cloud"].get<double>(), s["latency_s"]["mean"].get<double>(),
             s["latency_s"]["p95"].get<double>(), s["energy_j_per_inference"]["total"].get<double>(),
             s["engine"].get<std::string>(), s["network_model"].get<std::string>(), s["wall_time_s"].get<double>());
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream out(path + ".tmp");
  out << j.dump(2) << "\n";
  out.close();
  if (!out) throw std::runtime_error(path + ": write failed");
  std::filesystem::rename(path + ".tmp", path);
}

void print_calibration(const nlohmann::ordered_json& r, const std::string& out_dir) {
  const std::string objective = r["objective"];
  auto cost = [&](const nlohmann::ordered_json& s) { return objective_value(s, objective); };
  fmt::print("{} {} = {}: calibration accuracy {:.4f} (final exit {:.4f}, allowed drop {}), {} {:.4g}\n",
             r["policy"].get<std::string>(), r["param"].get<std::string>(), r["value"].dump(),
             r["calibration"]["accuracy"].get<double>(), r["final_exit_accuracy_calibration"].get<double>(),
             r["max_drop"].get<double>(), objective, cost(r["calibration"]));
  fmt::print("held-out split \"{}\": accuracy {:.4f} (final exit {:.4f}), {} {:.4g}{}\n",
             r["evaluation_split"].get<std::string>(), r["evaluation"]["accuracy"].get<double>(),
             r["final_exit_accuracy_evaluation"].get<double>(), objective, cost(r["evaluation"]),
             r["evaluated_on_tuned_samples"].get<bool>() ? " (includes the tuned samples, as asked)" : "");
  fmt::print("written: {0}/calibration.json (every candidate), {0}/calibrated.json (config to run)\n", out_dir);
}

void parse_shard(const std::string& text, RunnerOptions& options) {
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument(text);
    std::size_t used_i = 0, used_n = 0;
    options.shard = std::stoi(text.substr(0, slash), &used_i);
    options.shards = std::stoi(text.substr(slash + 1), &used_n);
    if (used_i != slash || used_n != text.size() - slash - 1) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw InputError(fmt::format("--shard {}: expected I/N, e.g. 0/4", text));
  }
}

int report_run(const std::vector<RunPoint>& points, const RunnerReport& report, const std::string& out_dir) {
  if (points.size() == 1 && report.ran == 1 && report.failed == 0) {
    std::ifstream in(out_dir + "/runs/" + points[0].id + "/summary.json");
    print_summary_line(points[0].id, nlohmann::ordered_json::parse(in));
  } else {
    fmt::print("{} points: {} run, {} already complete, {} failed\n", points.size(), report.ran, report.skipped,
               report.failed);
  }
  for (const auto& failure : report.failures) fmt::print(stderr, "tiersim: point {}\n", failure);
  fmt::print("results in {}/runs/ and {}/summary.csv\n", out_dir, out_dir);
  return report.failed > 0 ? 1 : 0;
}

}  // namespace

// Runs plots/plot.py on Debian's system interpreter (it has Debian's python3-matplotlib; another
// python3 first on PATH may not). Replaces this process: its exit status is the plot's.
[[noreturn]] void exec_plot(const std::vector<std::string>& plot_args) {
  std::vector<std::string> args{"/usr/bin/python3", TIERSIM_SOURCE_DIR "/plots/plot.py"};
  args.insert(args.end(), plot_args.begin(), plot_args.end());
  std::vector<char*> argv_exec;
  for (auto& a : args) argv_exec.push_back(a.data());
  argv_exec.push_back(nullptr);
  std::fflush(nullptr);
  execv(argv_exec[0], argv_exec.data());
  throw std::runtime_error(fmt::format("cannot run {}: {}", args[0], std::strerror(errno)));
}

// "meanet" -> <source>/experiments/meanet.json; a path to a JSON file is taken as it is.
std::string experiment_config(const std::string& name) {
  namespace fs = std::filesystem;
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json" && fs::exists(name)) return name;
  const fs::path dir = fs::path(TIERSIM_SOURCE_DIR) / "experiments", path = dir / (name + ".json");
  if (fs::exists(path)) return path.string();
  std::vector<std::string> known;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".json" && entry.path().stem() != "config.schema")
      known.push_back(entry.path().stem().string());
  std::sort(known.begin(), known.end());
  throw InputError(fmt::format("reproduce {}: no experiment {} (expected one of: {})", name, path.string(),
                               fmt::join(known, ", ")));
}

int main(int argc, char** argv) {
  CLI::App app{"tiersim: simulate multi-exit inference across mobile devices, edge servers and the cloud"};
  app.require_subcommand(1);

  std::string config_path, out_dir;
  std::vector<std::string> overrides;
  auto* run = app.add_subcommand("run", "run an experiment config");
  run->add_option("config", config_path, "experiment JSON")->required();
  run->add_option("-o,--out", out_dir, "output directory")->required();
  run->add_option("--set", overrides, "override a config value: PATH=JSON (e.g. simulation.engine=analytic)");
  RunnerOptions runner;
  runner.jobs = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  std::string shard;
  run->add_flag("--requests", runner.requests_csv, "also write requests.csv (one row per request)");
  run->add_option("-j,--jobs", runner.jobs, "worker processes for a sweep (default: the cores)")->check(CLI::PositiveNumber);
  run->add_flag("--resume", runner.resume, "skip points whose complete outputs exist for the same resolved config");
  run->add_flag("--force", runner.force, "write into a directory that holds another config's results");
  run->add_option("--shard", shard, "run the I-th of N disjoint shares of the points: I/N, 0 <= I < N");

  auto* validate = app.add_subcommand("validate", "check a config and its inputs without running it");
  validate->add_option("config", config_path, "experiment JSON")->required();
  validate->add_option("--set", overrides, "override a config value: PATH=JSON");

  auto* trace = app.add_subcommand("trace", "import and inspect confidence traces");
  trace->require_subcommand(1);
  std::string trace_in, trace_out;
  ImportOptions import;
  auto* imp = trace->add_subcommand("import", "convert an outside trace layout to tiersim's format");
  imp->add_option("input", trace_in, "input CSV")->required();
  imp->add_option("-o,--out", trace_out, "output trace CSV (its sidecar .json is written beside it)")->required();
  imp->add_option("--format", import.format, "input layout")->required()->check(CLI::IsMember(import_formats()));
  imp->add_option("--classes", import.class_names, "class names in index order");
  imp->add_option("--dataset", import.dataset, "dataset name")->required();
  imp->add_option("--model", import.model, "model name")->required();
  imp->add_option("--source", import.source, "where the trace comes from")->required();
  auto* info = trace->add_subcommand("info", "print samples, exits, classes, per-exit accuracy and confidence");
  info->add_option("file", trace_in, "trace CSV")->required();
  double split_fraction = 0.5;
  std::uint64_t split_seed = 1;
  auto* split = trace->add_subcommand("split", "mark samples calibration/test (a seeded draw per sample id)");
  split->add_option("input", trace_in, "trace CSV")->required();
  split->add_option("-o,--out", trace_out, "output trace CSV")->required();
  split->add_option("--calibration", split_fraction, "fraction of samples for calibration")
      ->check(CLI::Range(0.0, 1.0));
  split->add_option("--seed", split_seed, "seed of the draw");

  CalibrationOptions cal;
  auto* calibrate_cmd = app.add_subcommand(
      "calibrate", "pick the policy parameter that meets an accuracy target at the lowest cost (analytic engine)");
  calibrate_cmd->add_option("config", config_path, "experiment JSON")->required();
  calibrate_cmd->add_option("-o,--out", out_dir, "writes calibration.json and calibrated.json here")->required();
  calibrate_cmd->add_option("--set", overrides, "override a config value: PATH=JSON");
  calibrate_cmd->add_option("--param", cal.param, "policy parameter to tune (default: the policy's own)");
  calibrate_cmd->add_option("--from", cal.from, "lowest value (default: the parameter's natural range)");
  calibrate_cmd->add_option("--to", cal.to, "highest value");
  calibrate_cmd->add_option("--steps", cal.steps, "values tried, evenly spaced")->check(CLI::PositiveNumber);
  calibrate_cmd->add_option("--max-drop", cal.max_drop, "accuracy allowed below the final exit's (0.005 = 0.5 points)");
  calibrate_cmd->add_option("--objective", cal.objective, "what to minimise")->check(CLI::IsMember({"energy", "latency", "cost"}));
  calibrate_cmd->add_option("--calibration-split", cal.calibration_split, "split to tune on (\"all\": every sample)");
  calibrate_cmd->add_option("--evaluation-split", cal.evaluation_split, "split to evaluate on (\"all\": every sample)");

  auto* policies = app.add_subcommand("policies", "list the registered policies");

  std::string experiment_name;
  auto* reproduce_cmd = app.add_subcommand(
      "reproduce", "run one of the shipped experiments (experiments/NAME.json) and draw its figures");
  reproduce_cmd->add_option("name", experiment_name, "experiment: meanet, hybrid, cartography, load, network, ...")
      ->required();
  reproduce_cmd->add_option("-o,--out", out_dir, "results directory (default: results/NAME)");
  reproduce_cmd->add_option("-j,--jobs", runner.jobs, "worker processes (default: the cores)")
      ->check(CLI::PositiveNumber);

  auto* plot_cmd = app.add_subcommand("plot", "paper-style figures: tiersim plot DIR [-o FIGDIR] [--only NAME...]");
  plot_cmd->prefix_command();  // everything after "plot" goes to plots/plot.py as it is

  std::vector<std::string> merge_sources;
  auto* compare_cmd = app.add_subcommand("compare", "table per policy and Pareto-optimal runs: DIR/compare.csv, .md");
  compare_cmd->add_option("dir", out_dir, "results directory")->required();
  auto* merge_cmd = app.add_subcommand("merge", "rebuild DIR/summary.csv, first copying in complete runs of SOURCES");
  merge_cmd->add_option("dir", out_dir, "results directory")->required();
  merge_cmd->add_option("sources", merge_sources, "other results directories (e.g. shards run elsewhere)");
  int array = 1, cpus = 1;
  std::string time_limit = "01:00:00";
  auto* slurm_cmd = app.add_subcommand("slurm", "write sbatch scripts: a job array over shards, then a merge");
  slurm_cmd->add_option("config", config_path, "experiment JSON")->required();
  slurm_cmd->add_option("-o,--out", out_dir, "results directory (shared by the cluster's nodes)")->required();
  slurm_cmd->add_option("--array", array, "number of array tasks (shards)")->required();
  slurm_cmd->add_option("--cpus", cpus, "CPUs per task (its -j)")->check(CLI::PositiveNumber);
  slurm_cmd->add_option("--time", time_limit, "time limit per task (HH:MM:SS)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*run) {
      auto config = read_json_file(config_path);
      for (const auto& o : overrides) apply_override(config, o);
      if (!shard.empty()) parse_shard(shard, runner);
      const auto points = expand_sweep(config, config_path);
      const auto report = run_points(points, config, config_path, out_dir, runner);
      return report_run(points, report, out_dir);
    } else if (*validate) {
      auto config = read_json_file(config_path);
      for (const auto& o : overrides) apply_override(config, o);
      const auto points = expand_sweep(config, config_path);
      for (const auto& p : points) parse_experiment(p.config, config_path);
      Experiment x = parse_experiment(points.front().config, config_path);
      validate_experiment(x);  // the inputs, fully, for the first point (one SimGrid engine per process)
      fmt::print("{}: valid: {} point{} ({} engine, policy {}, {} devices, {} requests in the first)\n", config_path,
                 points.size(), points.size() == 1 ? "" : "s", x.engine, x.policy_name, x.workload.devices,
                 x.workload.requests);
    } else if (*imp) {
      Trace t = import_trace(trace_in, import);
      write_trace(t, trace_out);
      print_trace_info(trace_out);
    } else if (*info) {
      print_trace_info(trace_in);
    } else if (*split) {
      Trace t = load_trace(trace_in);
      assign_split(t, split_fraction, split_seed);
      write_trace(t, trace_out);
      long calibration = std::count(t.split.begin(), t.split.end(), "calibration");
      fmt::print("{}: {} calibration and {} test samples\n", trace_out, calibration, t.samples() - calibration);
    } else if (*calibrate_cmd) {
      auto config = read_json_file(config_path);
      for (const auto& o : overrides) apply_override(config, o);
      Experiment x = parse_experiment(config, config_path);
      nlohmann::json calibrated;
      auto result = calibrate(x, config, cal, calibrated);
      std::filesystem::create_directories(out_dir);
      write_json(out_dir + "/calibration.json", result);
      write_json(out_dir + "/calibrated.json", calibrated);
      print_calibration(result, out_dir);
    } else if (*reproduce_cmd) {
      // Complete points of the same config are kept (a rerun only redraws); after an edit of
      // the config its results replace the old ones.
      config_path = experiment_config(experiment_name);
      if (out_dir.empty()) out_dir = "results/" + std::filesystem::path(config_path).stem().string();
      auto config = read_json_file(config_path);
      const auto points = expand_sweep(config, config_path);
      runner.resume = runner.force = true;
      const auto report = run_points(points, config, config_path, out_dir, runner);
      if (int status = report_run(points, report, out_dir); status != 0) return status;
      exec_plot({out_dir});
    } else if (*plot_cmd) {
      exec_plot(plot_cmd->remaining());
    } else if (*compare_cmd) {
      fmt::print("{}", compare_runs(out_dir));
      fmt::print("\nwritten: {0}/compare.csv, {0}/compare.md\n", out_dir);
    } else if (*merge_cmd) {
      int copied = merge_runs(out_dir, merge_sources);
      fmt::print("{}: {} runs copied in, summary.csv rebuilt\n", out_dir, copied);
    } else if (*slurm_cmd) {
      auto config = read_json_file(config_path);
      const auto points = expand_sweep(config, config_path);
      for (const auto& p : points) parse_experiment(p.config, config_path);
      const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
      auto submit = write_slurm_scripts(self, config_path, out_dir, array, cpus, time_limit);
      fmt::print("{} points in {} array tasks; submit with: bash {}\n", points.size(), array, submit);
    } else if (*policies) {
      for (const auto& p : registered_policies()) fmt::print("{:<16} {}\n", p.name, p.summary);
    }
  } catch (const InputError& e) {
    std::cerr << "tiersim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tiersim: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
