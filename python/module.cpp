// tiersim's Python module (_tiersim), wrapped by python/tiersim/__init__.py: traces as numpy
// arrays, one point run in a child process (SimGrid allows one engine per process, and the
// interpreter may run many points), sweeps through the runner, and policies written in Python
// (python/policy_bridge.cpp). Errors keep tiersim's one-line messages: InputError becomes
// tiersim.InputError (a ValueError); an exception a Python policy raised in the child is
// pickled back and raised again, as it was.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "batch/config.hpp"
#include "batch/results_dir.hpp"
#include "batch/results_table.hpp"
#include "batch/run.hpp"
#include "batch/runner.hpp"
#include "batch/sweep.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "io/trace.hpp"
#include "model/metrics.hpp"
#include "model/policy.hpp"
#include "policy_bridge.hpp"

namespace py = pybind11;
using namespace tiersim;

namespace {

// ---- a point in a child process --------------------------------------------------------

// What the child sends, each message a type byte, a length and the bytes:
//   'R' records (RequestRecord fields packed, many per message), 'N' the servers' names (JSON),
//   'S' the summary (summary.json's text), 'E' an InputError's message, 'X' another error's,
//   'P' a pickled Python exception.
struct Packed {  // one record, the columns of requests.csv
  std::uint64_t request;
  std::int32_t device, sample, exit, edge_server, cloud_server;
  std::uint8_t exit_tier, correct, outcome, pad;
  double arrival_s, finish_s, compute_j[3], radio_j, radio_tail_j, bytes_up, queue_s;
};

void write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(3);  // the parent is gone
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void send(int fd, char type, const std::string& bytes) {
  const std::uint64_t n = bytes.size();
  write_all(fd, &type, 1);
  write_all(fd, &n, sizeof n);
  write_all(fd, bytes.data(), bytes.size());
}

bool read_all(int fd, void* data, std::size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// A Python exception, pickled, to be raised again in the parent as it was.
void send_python_error(int fd, py::error_already_set& e) {
  try {
    send(fd, 'P', py::module_::import("pickle").attr("dumps")(e.value()).cast<std::string>());
  } catch (...) {
    send(fd, 'X', e.what());
  }
}

// The child: runs the point, streams what the parent asked for, and never returns.
[[noreturn]] void child(int fd, const Experiment& x, const RunPoint& point, const std::string& out_dir,
                        bool with_requests) {
  std::string buffer;
  auto flush = [&] {
    if (!buffer.empty()) send(fd, 'R', buffer);
    buffer.clear();
  };
  try {
    const auto started = std::chrono::steady_clock::now();
    RunSetup setup(load_run_inputs(x), x);
    nlohmann::json names = nlohmann::json::array();
    for (const auto& server : setup.topology.servers()) names.push_back(server.host->name);
    send(fd, 'N', names.dump());
    std::function<void(const RequestRecord&)> sink;
    if (with_requests)
      sink = [&](const RequestRecord& r) {
        Packed p{r.request, r.device, r.sample, r.exit, r.server[1], r.server[2],
                 static_cast<std::uint8_t>(index(r.exit_tier)), static_cast<std::uint8_t>(r.correct),
                 static_cast<std::uint8_t>(r.outcome), 0,
                 r.arrival_s, r.finish_s, {r.compute_j[0], r.compute_j[1], r.compute_j[2]}, r.radio_j,
                 r.radio_tail_j, r.bytes_up, r.queue_s};
        buffer.append(reinterpret_cast<const char*>(&p), sizeof p);
        if (buffer.size() >= (1 << 16)) flush();
      };
    const auto summary = run_experiment(x, setup, out_dir, point.config, point.values, started, sink);
    flush();
    send(fd, 'S', summary.dump(2) + "\n");
  } catch (py::error_already_set& e) {
    send_python_error(fd, e);
  } catch (const py::builtin_exception& e) {  // a TypeError or ValueError the bridge raised
    e.set_error();
    py::error_already_set raised;
    send_python_error(fd, raised);
  } catch (const InputError& e) {
    send(fd, 'E', e.what());
  } catch (const std::exception& e) {
    send(fd, 'X', e.what());
  }
  ::close(fd);
  std::fflush(nullptr);
  _exit(0);  // no interpreter or SimGrid teardown in the child
}

// Columns of the requests, as numpy arrays (requests.csv's names).
py::dict requests_columns(const std::vector<Packed>& rows, const nlohmann::json& names) {
  const std::size_t n = rows.size();
  py::dict out;
  auto number = [&](const char* name, auto value_of) {
    py::array_t<decltype(value_of(rows.front()))> a(static_cast<py::ssize_t>(n));
    auto* data = a.mutable_data();
    for (std::size_t i = 0; i < n; ++i) data[i] = value_of(rows[i]);
    out[name] = a;
  };
  auto text = [&](const char* name, auto value_of) {
    py::list l(n);
    for (std::size_t i = 0; i < n; ++i) l[i] = py::str(value_of(rows[i]));
    out[name] = l;
  };
  auto host = [&](std::int32_t s) -> std::string {
    return s >= 0 && static_cast<std::size_t>(s) < names.size() ? names[static_cast<std::size_t>(s)].get<std::string>()
                                                               : std::string();
  };
  number("request", [](const Packed& p) { return p.request; });
  number("device", [](const Packed& p) { return p.device; });
  number("sample", [](const Packed& p) { return p.sample; });
  number("arrival_s", [](const Packed& p) { return p.arrival_s; });
  number("finish_s", [](const Packed& p) { return p.finish_s; });
  number("latency_s", [](const Packed& p) { return p.finish_s - p.arrival_s; });
  number("exit", [](const Packed& p) { return p.exit; });
  text("exit_tier", [](const Packed& p) { return std::string(tier_name(static_cast<Tier>(p.exit_tier))); });
  number("correct", [](const Packed& p) { return static_cast<std::int32_t>(p.correct); });
  number("mobile_compute_j", [](const Packed& p) { return p.compute_j[0]; });
  number("mobile_radio_j", [](const Packed& p) { return p.radio_j; });
  number("edge_j", [](const Packed& p) { return p.compute_j[1]; });
  number("cloud_j", [](const Packed& p) { return p.compute_j[2]; });
  number("bytes_up", [](const Packed& p) { return p.bytes_up; });
  text("outcome", [](const Packed& p) { return std::string(outcome_name(static_cast<Outcome>(p.outcome))); });
  text("edge_host", [&](const Packed& p) { return host(p.edge_server); });
  text("cloud_host", [&](const Packed& p) { return host(p.cloud_server); });
  number("queue_s", [](const Packed& p) { return p.queue_s; });
  number("mobile_radio_tail_j", [](const Packed& p) { return p.radio_tail_j; });
  return out;
}

// Runs one point (a config without a sweep) in a child; returns (summary text, requests
// columns or None). Writes DIR/runs/NAME as `tiersim run` does.
py::tuple run_point(const std::string& config_text, const std::string& config_path, const std::string& out_dir,
                    bool with_requests) {
  const auto config = parse_json_text(config_text, config_path);
  if (!config) throw InputError(fmt::format("{}: not JSON", config_path));
  const auto points = expand_sweep(*config, config_path);
  if (points.size() != 1)
    throw InputError(fmt::format("{}: /sweep: {} points (tiersim.run runs one point; use tiersim.sweep)", config_path,
                                 points.size()));
  Experiment x = parse_experiment(points[0].config, config_path);
  x.name = points[0].id;
  x.requests_csv = false;
  runs_folder(out_dir);  // refuses a symbolic link there, as the runner does
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], x, points[0], out_dir, with_requests);
  }
  ::close(fds[1]);
  std::vector<Packed> rows;
  nlohmann::json names = nlohmann::json::array();
  std::string summary;
  char kind = 0;
  std::string error;
  {
    py::gil_scoped_release release;  // the child has its own interpreter copy
    char type;
    std::uint64_t n;
    while (read_all(fds[0], &type, 1) && read_all(fds[0], &n, sizeof n)) {
      std::string bytes(n, '\0');
      if (!read_all(fds[0], bytes.data(), n)) break;
      if (type == 'R') {
        const std::size_t count = n / sizeof(Packed);
        const std::size_t at = rows.size();
        rows.resize(at + count);
        std::memcpy(rows.data() + at, bytes.data(), count * sizeof(Packed));
      } else if (type == 'N') {
        names = nlohmann::json::parse(bytes);
      } else if (type == 'S') {
        summary = std::move(bytes);
      } else {
        kind = type;
        error = std::move(bytes);
      }
    }
    ::close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (summary.empty() && kind == 0) {
      kind = 'X';
      error = WIFSIGNALED(status) ? fmt::format("the run's process was killed by signal {}", WTERMSIG(status))
                                  : fmt::format("the run's process ended with status {}", WEXITSTATUS(status));
    }
  }
  if (kind == 'E') throw InputError(error);
  if (kind == 'P') {
    py::object e = py::module_::import("pickle").attr("loads")(py::bytes(error));
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(e.ptr())), e.ptr());
    throw py::error_already_set();
  }
  if (kind != 0) throw std::runtime_error(error);
  return py::make_tuple(summary, with_requests ? py::object(requests_columns(rows, names)) : py::none());
}

// Runs every point of a config in worker processes (the runner), into out_dir.
py::dict run_sweep(const std::string& config_text, const std::string& config_path, const std::string& out_dir, int jobs,
                   bool resume, bool force) {
  const auto config = parse_json_text(config_text, config_path);
  if (!config) throw InputError(fmt::format("{}: not JSON", config_path));
  const auto points = expand_sweep(*config, config_path);
  RunnerOptions options;
  options.jobs = jobs;
  options.resume = resume;
  options.force = force;
  options.single_point_in_process = false;
  options.progress = false;
  // The GIL stays held: the workers are forked from this thread and call Python policies, and
  // the runner checks a config's policies (Python ones too) before it claims the directory.
  const RunnerReport report = run_points(points, *config, config_path, out_dir, options);
  py::dict out;
  out["ran"] = report.ran;
  out["skipped"] = report.skipped;
  out["failures"] = report.failures;
  std::vector<std::string> warnings;
  for (const auto& [w, count] : report.warnings) warnings.push_back(w);
  out["warnings"] = warnings;
  return out;
}

// ---- traces ----------------------------------------------------------------------------

template <class Matrix>
py::array_t<typename Matrix::Scalar> matrix(const Matrix& m) {  // exits x samples, C order
  py::array_t<typename Matrix::Scalar> a({static_cast<py::ssize_t>(m.cols()), static_cast<py::ssize_t>(m.rows())});
  auto v = a.template mutable_unchecked<2>();
  for (py::ssize_t e = 0; e < m.cols(); ++e)
    for (py::ssize_t s = 0; s < m.rows(); ++s) v(e, s) = m(s, e);
  return a;
}

py::dict load_trace_arrays(const std::string& path) {
  const Trace t = load_trace(path);
  py::dict d;
  d["sample_ids"] = py::array_t<long long>(static_cast<py::ssize_t>(t.sample_ids.size()), t.sample_ids.data());
  d["labels"] = py::array_t<int>(t.label.size(), t.label.data());
  d["predictions"] = matrix(t.prediction);
  d["confidence"] = matrix(t.confidence);
  d["entropy"] = t.has_entropy() ? py::object(matrix(t.entropy)) : py::none();
  if (t.has_probabilities() && !t.probability_derived) {
    py::array_t<double> p({static_cast<py::ssize_t>(t.exits()), static_cast<py::ssize_t>(t.samples()),
                           static_cast<py::ssize_t>(t.classes())});
    auto v = p.mutable_unchecked<3>();
    for (int e = 0; e < t.exits(); ++e)
      for (int s = 0; s < t.samples(); ++s)
        for (int k = 0; k < t.classes(); ++k) v(e, s, k) = t.probability[e](s, k);
    d["probabilities"] = p;
  } else {
    d["probabilities"] = py::none();
  }
  d["split"] = t.split;
  d["exit_names"] = t.meta.exit_names;
  d["classes"] = t.meta.class_names;
  d["dataset"] = t.meta.dataset;
  d["model"] = t.meta.model;
  d["source"] = t.meta.source;
  return d;
}

py::list policies() {
  py::list out;
  for (const auto& p : registered_policies()) {
    py::dict d;
    d["name"] = p.name;
    d["summary"] = p.summary;
    d["tuned_parameter"] = p.tunable.param;  // the one `tiersim calibrate` tunes ("" = none)
    try {
      d["parameters"] = policy_parameters(p);
    } catch (py::error_already_set&) {  // a Python policy: tiersim/__init__.py reads its class's signature
      d["parameters"] = py::none();
    }
    out.append(d);
  }
  return out;
}

// Seconds `calls` decisions of each policy ({"name", "params"}) take, called directly (no
// engine): at_exit at every (sample, exit) of the config's trace in turn, the policies
// interleaved over `rounds`. bench/python_policy.py compares a policy written in Python with
// the same rule in C++ this way. Loads the inputs in this process, which creates its SimGrid
// engine: call it once, in a process of its own.
std::vector<std::vector<double>> time_policies(const std::string& config_text, const std::string& config_path,
                                               const std::string& policies_text, long long calls, int rounds) {
  const auto config = parse_json_text(config_text, config_path);
  const auto specs = parse_json_text(policies_text, "policies");
  if (!config || !specs || !specs->is_array()) throw InputError("time_policies: expected a config and a list of policies");
  const Experiment x = parse_experiment(*config, config_path);
  const auto inputs = load_run_inputs(x);
  std::vector<std::unique_ptr<Policy>> policies;
  for (const auto& spec : *specs) {
    policies.push_back(make_policy(spec.at("name").get<std::string>(), spec.value("params", nlohmann::json::object()),
                                   config_path));
    policies.back()->prepare(inputs->trace, inputs->profile);
  }
  const int samples = inputs->trace.samples(), exits = inputs->trace.exits();
  std::vector<std::vector<double>> seconds(policies.size());
  long long exited = 0;
  for (int r = 0; r < rounds; ++r)
    for (std::size_t k = 0; k < policies.size(); ++k) {
      const auto start = std::chrono::steady_clock::now();
      for (long long i = 0; i < calls; ++i) {
        const int sample = static_cast<int>(i / exits % samples), exit = static_cast<int>(i % exits);
        DecisionContext ctx{inputs->trace, inputs->profile, sample, exit, exit, Tier::Mobile,
                            static_cast<std::uint64_t>(i), x.seed};
        exited += policies[k]->at_exit(ctx).action == Action::Exit;
      }
      seconds[k].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  if (exited < 0) std::abort();  // keeps the calls
  return seconds;
}

}  // namespace

PYBIND11_MODULE(_tiersim, m) {
  m.doc() = "tiersim's compiled core; use the tiersim package (python/tiersim/__init__.py)";
  static py::exception<InputError> input_error(m, "InputError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(input_error.ptr(), e.what());
    }
  });
  m.def("run_point", &run_point, py::arg("config_text"), py::arg("config_path"), py::arg("out_dir"),
        py::arg("with_requests"));
  m.def("run_sweep", &run_sweep, py::arg("config_text"), py::arg("config_path"), py::arg("out_dir"), py::arg("jobs"),
        py::arg("resume"), py::arg("force"));
  m.def("load_trace", &load_trace_arrays, py::arg("path"));
  m.def("summary_csv", [](const std::string& dir) { return summary_csv(load_results(dir)); }, py::arg("dir"));
  m.def("rebuild_results_tables", &rebuild_results_tables, py::arg("dir"));
  m.def("policies", &policies);
  m.def("time_policies", &time_policies, py::arg("config_text"), py::arg("config_path"), py::arg("policies_text"),
        py::arg("calls"), py::arg("rounds"));
  bind_policies(m);
}
