// tiersim command line: run / validate experiments, import and inspect traces.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "config.hpp"
#include "error.hpp"
#include "json_reader.hpp"
#include "policy.hpp"
#include "run.hpp"
#include "trace_import.hpp"

using namespace tiersim;

namespace {

Experiment load_experiment(const std::string& path, const std::vector<std::string>& overrides) {
  auto config = read_json_file(path);
  for (const auto& o : overrides) apply_override(config, o);
  return parse_experiment(config, path);
}

void print_trace_info(const std::string& path) {
  Trace t = load_trace(path);
  fmt::print("trace    {}\n", path);
  fmt::print("dataset  {}\nmodel    {}\nsource   {}\n", t.meta.dataset, t.meta.model, t.meta.source);
  fmt::print("samples  {}\nexits    {}\nclasses  {}\nentropy  {}\n", t.samples(), t.exits(), t.classes(),
             t.has_entropy() ? "yes" : "no");
  fmt::print("{:>4}  {:<12} {:>9} {:>16}\n", "exit", "name", "accuracy", "mean confidence");
  for (int e = 0; e < t.exits(); ++e)
    fmt::print("{:>4}  {:<12} {:>9.4f} {:>16.4f}\n", e, t.meta.exit_names[e], t.exit_accuracy(e), t.mean_confidence(e));
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tiersim: simulate multi-exit inference across mobile devices, edge servers and the cloud"};
  app.require_subcommand(1);

  std::string config_path, out_dir;
  std::vector<std::string> overrides;
  auto* run = app.add_subcommand("run", "run an experiment config");
  run->add_option("config", config_path, "experiment JSON")->required();
  run->add_option("-o,--out", out_dir, "output directory")->required();
  run->add_option("--set", overrides, "override a config value: PATH=JSON (e.g. simulation.engine=analytic)");
  bool requests_csv = false;
  run->add_flag("--requests", requests_csv, "also write requests.csv (one row per request)");

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

  auto* policies = app.add_subcommand("policies", "list the registered policies");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*run) {
      Experiment x = load_experiment(config_path, overrides);
      x.requests_csv = x.requests_csv || requests_csv;
      auto summary = run_experiment(x, out_dir);
      print_summary_line(x.name, summary);
      fmt::print("results in {}/runs/{}/summary.json and {}/summary.csv\n", out_dir, x.name, out_dir);
    } else if (*validate) {
      Experiment x = load_experiment(config_path, overrides);
      validate_experiment(x);
      fmt::print("{}: valid ({} engine, policy {}, {} devices, {} requests)\n", config_path, x.engine,
                 x.policy_name, x.workload.devices, x.workload.requests);
    } else if (*imp) {
      Trace t = import_trace(trace_in, import);
      write_trace(t, trace_out);
      print_trace_info(trace_out);
    } else if (*info) {
      print_trace_info(trace_in);
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
