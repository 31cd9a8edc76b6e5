// tiersim command line: run / validate experiments, import and inspect traces.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <iostream>

#include <unistd.h>

#include "batch/calibrate.hpp"
#include "batch/compare.hpp"
#include "batch/results_table.hpp"
#include "batch/slurm.hpp"
#include "batch/config.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "model/policy.hpp"
#include "model/summary.hpp"
#include "batch/results_dir.hpp"
#include "batch/run.hpp"
#include "batch/runner.hpp"
#include "batch/sweep.hpp"
#include "engines/transfer_replay.hpp"
#include "io/trace_import.hpp"
#include "network/network_model.hpp"

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

void print_summary_line(const std::string& name, const nlohmann::json& s, const std::string& file) {
  using namespace summary;
  auto number = [&](const SummaryField& f) { return get_number(s, f, file); };
  fmt::print("{}: {} requests, accuracy {:.4f}, exits mobile/edge/cloud {:.3f}/{:.3f}/{:.3f}, latency mean {:.4g} s "
             "p95 {:.4g} s, energy {:.4g} J/inference, engine {} ({}), {:.2f} s wall\n",
             name, get(s, requests, file).get<long long>(), number(accuracy), number(exit_mobile), number(exit_edge),
             number(exit_cloud), number(latency_mean), number(latency_p95), number(energy_total),
             get(s, engine, file).get<std::string>(), get(s, network_model, file).get<std::string>(),
             number(wall_time));
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
  auto accuracy = [](const nlohmann::ordered_json& s) { return get_number(s, summary::accuracy, "calibration"); };
  for (const auto& warning : r["warnings"]) fmt::print(stderr, "tiersim: warning: {}\n", warning.get<std::string>());
  fmt::print("{} {} = {}: calibration accuracy {:.4f} (final exit {:.4f}, allowed drop {} = {} of {} samples), {} {:.4g}\n",
             r["policy"].get<std::string>(), r["param"].get<std::string>(), r["value"].dump(),
             accuracy(r["calibration"]), r["final_exit_accuracy_calibration"].get<double>(),
             r["max_drop"].get<double>(), r["allowed_drop_samples"].get<long long>(),
             r["calibration_samples"].get<long long>(), objective, cost(r["calibration"]));
  fmt::print("held-out split \"{}\": accuracy {:.4f} (final exit {:.4f}), {} {:.4g}{}\n",
             r["evaluation_split"].get<std::string>(), accuracy(r["evaluation"]),
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
    const std::string file = out_dir + "/runs/" + points[0].id + "/summary.json";
    std::ifstream in(file);
    print_summary_line(points[0].id, nlohmann::json::parse(in), file);
  } else {
    fmt::print("{} points: {} run, {} already complete, {} failed\n", points.size(), report.ran, report.skipped,
               report.failed);
  }
  for (const auto& failure : report.failures) fmt::print(stderr, "tiersim: point {}\n", failure);
  for (const auto& [warning, count] : report.warnings)
    fmt::print(stderr, "tiersim: warning: {}{}\n", warning,
               report.ran > 1 ? fmt::format(" ({} of the {} points run)", count, report.ran) : "");
  fmt::print("results in {}/runs/ and {}/summary.csv\n", out_dir, out_dir);
  return report.failed > 0 ? 1 : 0;
}

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
    if (entry.path().extension() == ".json" && entry.path().stem().extension() != ".schema")
      known.push_back(entry.path().stem().string());
  std::sort(known.begin(), known.end());
  throw InputError(fmt::format("reproduce {}: no experiment {} (expected one of: {})", name, path.string(),
                               fmt::join(known, ", ")));
}

// ---- subcommands: each adds its options to the app and returns what runs it ------------

// A subcommand and its action (called when the command line chose it; returns the exit status).
struct Command {
  CLI::App* app;
  std::function<int()> action;
};

nlohmann::json config_with_overrides(const std::string& path, const std::vector<std::string>& overrides) {
  auto config = read_json_file(path);
  if (const std::string note = apply_command_line_overrides(config, overrides); !note.empty())
    fmt::print(stderr, "tiersim: note: {}\n", note);
  return config;
}

int default_jobs() { return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))); }

Command add_run(CLI::App& app) {
  struct Options {
    std::string config, out, shard;
    std::vector<std::string> overrides;
    RunnerOptions runner;
  };
  auto o = std::make_shared<Options>();
  o->runner.jobs = default_jobs();
  auto* cmd = app.add_subcommand("run", "run an experiment config");
  cmd->add_option("config", o->config, "experiment JSON")->required();
  cmd->add_option("-o,--out", o->out, "output directory")->required();
  cmd->add_option("--set", o->overrides, "override a config value: PATH=JSON (e.g. simulation.engine=analytic)");
  cmd->add_flag("--requests", o->runner.requests_csv, "also write requests.csv (one row per request)");
  cmd->add_option("-j,--jobs", o->runner.jobs, "worker processes for a sweep (default: the cores)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--resume", o->runner.resume, "skip points whose complete outputs exist for the same resolved config");
  cmd->add_flag("--force", o->runner.force, "write into a directory that holds another config's results");
  cmd->add_option("--shard", o->shard, "run the I-th of N disjoint shares of the points: I/N, 0 <= I < N");
  return {cmd, [o] {
            const auto config = config_with_overrides(o->config, o->overrides);
            if (!o->shard.empty()) parse_shard(o->shard, o->runner);
            const auto points = expand_sweep(config, o->config);
            const auto report = run_points(points, config, o->config, o->out, o->runner);
            return report_run(points, report, o->out);
          }};
}

Command add_validate(CLI::App& app) {
  struct Options {
    std::string config;
    std::vector<std::string> overrides;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("validate", "check a config and its inputs without running it");
  cmd->add_option("config", o->config, "experiment JSON")->required();
  cmd->add_option("--set", o->overrides, "override a config value: PATH=JSON");
  return {cmd, [o] {
            const auto points = expand_sweep(config_with_overrides(o->config, o->overrides), o->config);
            for (const auto& p : points) parse_experiment(p.config, o->config);
            Experiment x = parse_experiment(points.front().config, o->config);
            // The inputs, fully, for the first point (one SimGrid engine per process).
            for (const auto& warning : validate_experiment(x)) fmt::print(stderr, "tiersim: warning: {}\n", warning);
            fmt::print("{}: valid: {} point{} ({} engine, policy {}, {} devices, {} requests in the first)\n", o->config,
                       points.size(), points.size() == 1 ? "" : "s", x.engine, x.policy_name, x.workload.devices,
                       x.workload.requests);
            return 0;
          }};
}

std::vector<Command> add_trace(CLI::App& app) {
  struct Options {
    std::string in, out;
    ImportOptions import;
    double split_fraction = 0.5;
    std::uint64_t split_seed = 1;
    std::vector<std::string> column_mappings;
  };
  auto o = std::make_shared<Options>();
  auto* trace = app.add_subcommand("trace", "import and inspect confidence traces");
  trace->require_subcommand(1);
  auto* imp = trace->add_subcommand("import", "convert an outside trace layout to tiersim's format");
  imp->add_option("input", o->in, "input CSV")->required();
  imp->add_option("-o,--out", o->out, "output trace CSV (its sidecar .json is written beside it)")->required();
  imp->add_option("--format", o->import.format, "input layout")->required()->check(CLI::IsMember(import_formats()));
  imp->add_option("--classes", o->import.class_names, "class names in index order");
  imp->add_option("--dataset", o->import.dataset, "dataset name")->required();
  imp->add_option("--model", o->import.model, "model name")->required();
  imp->add_option("--source", o->import.source, "where the trace comes from")->required();
  imp->add_option("--column", o->column_mappings,
                  "ROLE=NAME: read ROLE from the file's column NAME (long: sample, exit, confidence, prediction, "
                  "label, entropy, split, probabilities = prefix of PREFIX0..; wide: patterns with {b} for the "
                  "branch, {k} for the class, e.g. probabilities=prob_{k}_b{b}); see traces/FORMAT.md");
  auto* info = trace->add_subcommand("info", "print samples, exits, classes, per-exit accuracy and confidence");
  info->add_option("file", o->in, "trace CSV")->required();
  auto* split = trace->add_subcommand("split", "mark samples calibration/test (a seeded draw per sample id)");
  split->add_option("input", o->in, "trace CSV")->required();
  split->add_option("-o,--out", o->out, "output trace CSV")->required();
  split->add_option("--calibration", o->split_fraction, "fraction of samples for calibration")
      ->check(CLI::Range(0.0, 1.0));
  split->add_option("--seed", o->split_seed, "seed of the draw");
  return {{imp,
           [o] {
             for (const auto& mapping : o->column_mappings) {
               const auto eq = mapping.find('=');
               if (eq == std::string::npos || eq == 0)
                 throw InputError(fmt::format("--column {}: expected ROLE=NAME, e.g. confidence=max_prob", mapping));
               o->import.columns[mapping.substr(0, eq)] = mapping.substr(eq + 1);
             }
             write_trace(import_trace(o->in, o->import), o->out);
             print_trace_info(o->out);
             return 0;
           }},
          {info,
           [o] {
             print_trace_info(o->in);
             return 0;
           }},
          {split, [o] {
             Trace t = load_trace(o->in);
             assign_split(t, o->split_fraction, o->split_seed);
             write_trace(t, o->out);
             long calibration = std::count(t.split.begin(), t.split.end(), "calibration");
             fmt::print("{}: {} calibration and {} test samples\n", o->out, calibration, t.samples() - calibration);
             return 0;
           }}};
}

Command add_calibrate(CLI::App& app) {
  struct Options {
    std::string config, out;
    std::vector<std::string> overrides;
    CalibrationOptions cal;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "calibrate", "pick the policy parameter that meets an accuracy target at the lowest cost (analytic engine)");
  cmd->add_option("config", o->config, "experiment JSON")->required();
  cmd->add_option("-o,--out", o->out, "writes calibration.json and calibrated.json here")->required();
  cmd->add_option("--set", o->overrides, "override a config value: PATH=JSON");
  cmd->add_option("--param", o->cal.param, "policy parameter to tune (default: the policy's own)");
  cmd->add_option("--from", o->cal.from, "lowest value (default: the parameter's natural range)");
  cmd->add_option("--to", o->cal.to, "highest value");
  cmd->add_option("--steps", o->cal.steps, "values tried, evenly spaced")->check(CLI::PositiveNumber);
  cmd->add_option("--max-drop", o->cal.max_drop, "accuracy allowed below the final exit's (0.005 = 0.5 points)");
  cmd->add_option("--objective", o->cal.objective, "what to minimise")
      ->check(CLI::IsMember({"energy", "latency", "cost"}));
  cmd->add_option("--calibration-split", o->cal.calibration_split, "split to tune on (\"all\": every sample)");
  cmd->add_option("--evaluation-split", o->cal.evaluation_split, "split to evaluate on (\"all\": every sample)");
  return {cmd, [o] {
            const auto config = config_with_overrides(o->config, o->overrides);
            Experiment x = parse_experiment(config, o->config);
            nlohmann::json calibrated;
            auto result = calibrate(x, config, o->cal, calibrated);
            std::filesystem::create_directories(o->out);
            write_json(o->out + "/calibration.json", result);
            write_json(o->out + "/calibrated.json", calibrated);
            print_calibration(result, o->out);
            return 0;
          }};
}

// `tiersim network route|replay`: the flow-level side of the ns-3 cross-check (bench/ns3/).
std::vector<Command> add_network(CLI::App& app) {
  auto* network = app.add_subcommand("network", "network models: a route's links, transfers replayed through a model");
  network->require_subcommand(1);
  struct Options {
    std::string platform, from, to, transfers, out, model = "CM02";
    std::uint64_t seed = 1;
  };
  auto o = std::make_shared<Options>();
  auto* route = network->add_subcommand("route", "print the links of the route FROM -> TO as JSON");
  route->add_option("platform", o->platform, "SimGrid platform XML")->required();
  route->add_option("from", o->from, "source host")->required();
  route->add_option("to", o->to, "destination host")->required();
  auto* replay = network->add_subcommand("replay", "replay transfers (transfer,source,destination,start_s,bytes) through a network model");
  replay->add_option("platform", o->platform, "SimGrid platform XML")->required();
  replay->add_option("transfers", o->transfers, "CSV: transfer,source,destination,start_s,bytes")->required();
  replay->add_option("-o,--out", o->out, "CSV of completion times")->required();
  replay->add_option("--model", o->model, "network model: built-in or <platform folder>/network/NAME.json")->capture_default_str();
  replay->add_option("--seed", o->seed, "seed of a calibrated model's time jitter (transfer t draws as request t's first hop)")
      ->capture_default_str();
  auto session_for = [o](const std::string& model_name) {
    return std::make_unique<SimgridSession>(load_network_model(model_name, o->platform, "--model"));
  };
  Command route_cmd{route, [o, session_for] {
                      auto session = session_for(o->model);
                      Platform platform = Platform::load(o->platform, *session);
                      fmt::print("{}\n", describe_route(*session, platform, o->from, o->to).dump(2));
                      return 0;
                    }};
  Command replay_cmd{replay, [o, session_for] {
                       auto transfers = read_transfers(o->transfers);
                       auto session = session_for(o->model);
                       Platform platform = Platform::load(o->platform, *session);
                       replay_transfers(*session, platform, transfers, o->transfers, o->seed);
                       write_text_atomically(o->out, transfer_times_csv(transfers));
                       return 0;
                     }};
  return {route_cmd, replay_cmd};
}

Command add_schema(CLI::App& app) {
  auto* cmd = app.add_subcommand("schema", "print the JSON Schema of summary.json (experiments/summary.schema.json)");
  return {cmd, [] {
            fmt::print("{}\n", summary_json_schema().dump(2));
            return 0;
          }};
}

Command add_policies(CLI::App& app) {
  auto* cmd = app.add_subcommand("policies", "list the registered policies");
  return {cmd, [] {
            for (const auto& p : registered_policies()) fmt::print("{:<16} {}\n", p.name, p.summary);
            return 0;
          }};
}

Command add_reproduce(CLI::App& app) {
  struct Options {
    std::string name, out;
    RunnerOptions runner;
  };
  auto o = std::make_shared<Options>();
  o->runner.jobs = default_jobs();
  auto* cmd = app.add_subcommand(
      "reproduce", "run one of the shipped experiments (experiments/NAME.json) and draw its figures");
  cmd->add_option("name", o->name, "experiment: meanet, hybrid, cartography, load, network, ...")->required();
  cmd->add_option("-o,--out", o->out, "results directory (default: results/NAME)");
  cmd->add_option("-j,--jobs", o->runner.jobs, "worker processes (default: the cores)")->check(CLI::PositiveNumber);
  return {cmd, [o] {
            // Complete points of the same config are kept (a rerun only redraws); after an edit of
            // the config its results replace the old ones.
            const std::string config_path = experiment_config(o->name);
            const std::string out =
                o->out.empty() ? "results/" + std::filesystem::path(config_path).stem().string() : o->out;
            auto config = read_json_file(config_path);
            const auto points = expand_sweep(config, config_path);
            o->runner.resume = o->runner.force = true;
            const auto report = run_points(points, config, config_path, out, o->runner);
            if (int status = report_run(points, report, out); status != 0) return status;
            exec_plot({out});
          }};
}

Command add_plot(CLI::App& app) {
  auto* cmd = app.add_subcommand("plot", "paper-style figures: tiersim plot DIR [-o FIGDIR] [--only NAME...]");
  cmd->prefix_command();  // everything after "plot" goes to plots/plot.py as it is
  cmd->set_help_flag();    // --help too: plot.py lists its own options
  return {cmd, [cmd]() -> int { exec_plot(cmd->remaining()); }};
}

Command add_compare(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("compare", "table per policy and Pareto-optimal runs: DIR/compare.csv, .md");
  cmd->add_option("dir", *dir, "results directory")->required();
  return {cmd, [dir] {
            fmt::print("{}", compare_runs(*dir));
            fmt::print("\nwritten: {0}/compare.csv, {0}/compare.md\n", *dir);
            return 0;
          }};
}

Command add_results(CLI::App& app) {
  struct Options {
    std::string dir;
    bool long_format = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("results", "print the runs of DIR as CSV: wide (summary.csv) or --long (metrics.csv)");
  cmd->add_option("dir", o->dir, "results directory")->required();
  cmd->add_flag("--long", o->long_format, "one row per run and metric (run, swept values, metric, value)");
  cmd->footer("Both files are rebuilt from DIR/runs first. Columns: experiments/README.md, \"Results tables\".");
  return {cmd, [o] {
            if (!std::filesystem::is_directory(std::filesystem::path(o->dir) / "runs"))
              throw InputError(fmt::format("{}: not a results directory (no runs/ folder)", o->dir));
            const auto runs = load_results(o->dir);
            if (runs.empty()) throw InputError(fmt::format("{}: no completed runs under runs/", o->dir));
            rebuild_results_tables(o->dir);
            fmt::print("{}", o->long_format ? metrics_long_csv(runs) : summary_csv(runs));
            return 0;
          }};
}

Command add_merge(CLI::App& app) {
  struct Options {
    std::string dir;
    std::vector<std::string> sources;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("merge", "rebuild DIR/summary.csv and metrics.csv, first copying in complete runs of SOURCES");
  cmd->add_option("dir", o->dir, "results directory")->required();
  cmd->add_option("sources", o->sources, "other results directories (e.g. shards run elsewhere)");
  return {cmd, [o] {
            const MergeReport r = merge_runs(o->dir, o->sources);
            fmt::print("{}: {} runs copied in, summary.csv and metrics.csv rebuilt\n", o->dir, r.copied);
            if (r.missing.empty()) {
              if (r.points >= 0) fmt::print("all {} points of {}/experiment.json are complete\n", r.points, o->dir);
              return 0;
            }
            std::vector<std::string> shards;
            for (const auto& [shard, count] : r.missing_by_shard) shards.push_back(fmt::format("{} ({})", shard, count));
            fmt::print("{} of {} points missing{}, e.g. {}\n", r.missing.size(), r.points,
                       r.shards > 0 ? fmt::format(" in shards {} of {}: rerun those tasks (run --resume --shard I/{})",
                                                  fmt::join(shards, ", "), r.shards, r.shards)
                                    : "",
                       r.missing.front());
            return 1;
          }};
}

Command add_slurm(CLI::App& app) {
  struct Options {
    std::string config, out;
    SlurmOptions slurm;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("slurm", "write sbatch scripts: a job array over shards, then a merge");
  cmd->add_option("config", o->config, "experiment JSON")->required();
  cmd->add_option("-o,--out", o->out, "results directory (shared by the cluster's nodes)")->required();
  cmd->add_option("--array", o->slurm.array, "number of array tasks (shards)")->required();
  cmd->add_option("--cpus", o->slurm.cpus, "CPUs per task (its -j)")->check(CLI::PositiveNumber);
  cmd->add_option("--time", o->slurm.time_limit, "time limit per task (HH:MM:SS)");
  cmd->add_option("--partition", o->slurm.partition, "#SBATCH --partition");
  cmd->add_option("--account", o->slurm.account, "#SBATCH --account");
  cmd->add_option("--qos", o->slurm.qos, "#SBATCH --qos");
  cmd->add_option("--mem", o->slurm.mem, "#SBATCH --mem (e.g. 4G)");
  cmd->add_option("--constraint", o->slurm.constraint, "#SBATCH --constraint (e.g. \"skylake|icelake\")");
  cmd->footer("The config and every file it names are copied into OUT/inputs/ (sha256 in OUT/experiment.json); the "
              "jobs read only those copies.");
  return {cmd, [o] {
            auto config = read_json_file(o->config);
            const auto points = expand_sweep(config, o->config);
            for (const auto& p : points) parse_experiment(p.config, o->config);
            const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
            auto submit = write_slurm_scripts(self, o->config, o->out, o->slurm);
            fmt::print("{} points in {} array tasks, inputs copied to {}/inputs; submit with: bash {}\n", points.size(),
                       o->slurm.array, o->out, submit);
            return 0;
          }};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tiersim: simulate multi-exit inference across mobile devices, edge servers and the cloud"};
  app.require_subcommand(1);
  std::vector<Command> commands{add_run(app), add_validate(app)};
  for (auto& c : add_trace(app)) commands.push_back(std::move(c));
  for (auto& c : add_network(app)) commands.push_back(std::move(c));
  for (auto* add : {add_calibrate, add_policies, add_schema, add_reproduce, add_plot, add_compare, add_results, add_merge, add_slurm})
    commands.push_back(add(app));
  CLI11_PARSE(app, argc, argv);
  // An error that interrupts a simulation (a write error in the middle of requests.csv) leaves
  // SimGrid's engine mid-run, and its exit handler (EngineImpl::shutdown) then crashes: after an
  // error the process ends without exit handlers, its output flushed first.
  auto fail = [](const std::exception& e, int status) {
    std::cerr << "tiersim: error: " << e.what() << "\n";
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(status);
  };
  try {
    for (const auto& c : commands)
      if (*c.app) return c.action();
  } catch (const InputError& e) {
    fail(e, 2);
  } catch (const std::exception& e) {
    fail(e, 1);
  }
  return 0;
}
