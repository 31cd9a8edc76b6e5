#include "policy_bridge.hpp"

#include <pybind11/numpy.h>
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "model/policy.hpp"

namespace py = pybind11;

namespace tiersim {
namespace {

// What a Python policy sees at a decision. One object per policy, pointed at each decision's
// context in turn (no allocation per call): it is valid only during the call.
struct Context {
  const DecisionContext* c = nullptr;
  const DecisionContext& at() const {
    if (!c) throw std::runtime_error("a tiersim Context is valid only during the call it was given to");
    return *c;
  }
};

// What a request's end tells a Python policy's observe(), as attributes.
struct Outcome {
  RequestOutcome o;
};

Tier tier_from(const std::string& name) {
  if (const auto t = tier_from_name(name)) return *t;
  throw py::value_error(fmt::format("tier: expected mobile, edge or cloud, got \"{}\"", name));
}

py::dict state_dict(const SystemState& s) {
  py::dict d;
  d["zero_load"] = s.zero_load;
  d["now_s"] = s.now_s;
  d["arrival_s"] = s.arrival_s;
  d["deadline_s"] = s.deadline_s;
  d["tier"] = tier_name(s.tier);
  d["battery_j"] = s.battery_j;
  for (Tier t : {Tier::Mobile, Tier::Edge, Tier::Cloud}) {
    const TierState& ts = s.at(t);
    py::dict x;
    x["present"] = ts.present;
    x["queued"] = ts.queued;
    x["in_service"] = ts.in_service;
    x["workers"] = ts.workers;
    x["capacity"] = ts.capacity;
    x["upload_s"] = ts.upload_s;
    x["flows"] = ts.flows;
    x["rest_compute_s"] = ts.rest_compute_s;
    x["finishes"] = ts.finishes;
    d[py::str(std::string(tier_name(t)))] = x;
  }
  return d;
}

class PythonPolicy : public Policy {
 public:
  PythonPolicy(py::object object, PolicyNeeds needs)
      : object_(std::move(object)), needs_(needs), context_(py::cast(Context{})) {
    at_exit_ = object_.attr("at_exit");
    if (py::hasattr(object_, "at_input")) at_input_ = object_.attr("at_input");
    if (py::hasattr(object_, "observe")) observe_ = object_.attr("observe");
    if (py::hasattr(object_, "prepare")) prepare_ = object_.attr("prepare");
    if (py::hasattr(object_, "describe")) describe_ = object_.attr("describe");
    context_ptr_ = context_.cast<Context*>();
  }

  Decision at_input(const DecisionContext& c) override { return at_input_ ? call(at_input_, c) : Decision::next(); }
  Decision at_exit(const DecisionContext& c) override { return call(at_exit_, c); }
  PolicyNeeds needs() const override { return needs_; }
  // The object lives in the run's process: what it learned reaches the caller through the
  // summary's policy_info (describe() returning something json.dumps accepts).
  nlohmann::json describe() const override {
    if (!describe_) return nullptr;
    const std::string text = py::module_::import("json").attr("dumps")(describe_()).cast<std::string>();
    return nlohmann::json::parse(text);
  }
  void observe(const RequestOutcome& o) override {
    if (observe_) observe_(Outcome{o});
  }
  void prepare(const Trace& trace, const ModelProfile&) override {
    if (!prepare_) return;
    py::dict t;  // copies, once: what the policy may learn from before the run
    const auto exits = static_cast<py::ssize_t>(trace.exits()), n = static_cast<py::ssize_t>(trace.samples());
    py::array_t<double> conf({exits, n}), ent({exits, n});
    py::array_t<int> pred({exits, n});
    auto cv = conf.mutable_unchecked<2>();
    auto ev = ent.mutable_unchecked<2>();
    auto pv = pred.mutable_unchecked<2>();
    for (py::ssize_t e = 0; e < exits; ++e)
      for (py::ssize_t s = 0; s < n; ++s) {
        cv(e, s) = trace.confidence(s, e);
        ev(e, s) = trace.has_entropy() ? trace.entropy(s, e) : std::numeric_limits<double>::quiet_NaN();
        pv(e, s) = trace.prediction(s, e);
      }
    t["confidence"] = conf;
    t["entropy"] = ent;
    t["predictions"] = pred;
    t["labels"] = py::array_t<int>(trace.label.size(), trace.label.data());
    t["split"] = trace.split;
    t["exit_names"] = trace.meta.exit_names;
    t["classes"] = trace.meta.class_names;
    prepare_(t);
  }

 private:
  Decision call(const py::object& method, const DecisionContext& c) {
    context_ptr_->c = &c;
    py::object r = method(context_);
    context_ptr_->c = nullptr;
    if (py::isinstance<Decision>(r)) return r.cast<Decision>();
    if (py::isinstance<py::bool_>(r)) return r.cast<bool>() ? Decision::exit() : Decision::next();
    throw py::type_error(fmt::format("{}.{}: expected a tiersim.Decision (tiersim.EXIT, tiersim.NEXT, "
                                     "tiersim.offload(tier), tiersim.exit_answering(cls)) or a bool, got {}",
                                     py::type::of(object_).attr("__name__").cast<std::string>(),
                                     method.attr("__name__").cast<std::string>(), py::repr(r).cast<std::string>()));
  }

  py::object object_, at_exit_, at_input_, observe_, prepare_, describe_;
  PolicyNeeds needs_;
  py::object context_;
  Context* context_ptr_ = nullptr;
};

// A config's params object as Python keyword arguments; every key counts as read (the class's
// own signature refuses what it does not take, with Python's TypeError).
py::dict kwargs_of(JsonReader& params) {
  py::dict kwargs;
  if (params.raw().is_null()) return kwargs;
  if (!params.raw().is_object()) params.fail("an object of keyword arguments for the policy's class");
  const py::object loads = py::module_::import("json").attr("loads");
  for (const auto& [key, value] : params.raw().items()) {
    (void)params.at(key);
    kwargs[py::str(key)] = loads(value.dump());
  }
  return kwargs;
}

}  // namespace

void bind_policies(py::module_& m) {
  py::class_<Decision>(m, "Decision", "what a policy decides: exit here, go on, or offload to a tier")
      .def("__repr__", [](const Decision& d) {
        if (d.action == Action::Exit) return d.answer < 0 ? std::string("tiersim.EXIT") : fmt::format("tiersim.exit_answering({})", d.answer);
        if (d.action == Action::Continue) return std::string("tiersim.NEXT");
        return fmt::format("tiersim.offload(\"{}\")", tier_name(d.target));
      })
      .def(py::self == py::self);
  m.attr("EXIT") = Decision::exit();
  m.attr("NEXT") = Decision::next();
  m.def("offload", [](const std::string& tier) { return Decision::offload(tier_from(tier)); }, py::arg("tier"),
        "go on to a tier: \"edge\" or \"cloud\"");
  m.def("exit_answering", &Decision::exit_answering, py::arg("cls"), "exit here answering class `cls`");

  py::class_<Context>(m, "Context", "a decision's view: valid only during the call")
      .def_property_readonly("sample", [](const Context& c) { return c.at().sample; })
      .def_property_readonly("exit", [](const Context& c) { return c.at().exit; })
      .def_property_readonly("stage", [](const Context& c) { return c.at().stage; })
      .def_property_readonly("tier", [](const Context& c) { return std::string(tier_name(c.at().tier)); })
      .def_property_readonly("request", [](const Context& c) { return c.at().request; })
      .def_property_readonly("exits", [](const Context& c) { return c.at().trace.exits(); })
      .def_property_readonly("confidence", [](const Context& c) {
        const auto& x = c.at();
        return x.trace.confidence(x.sample, x.exit);
      })
      .def_property_readonly("entropy", [](const Context& c) {
        const auto& x = c.at();
        if (!x.trace.has_entropy()) throw py::value_error("the trace has no entropy (no entropy or probability columns)");
        return x.trace.entropy(x.sample, x.exit);
      })
      .def_property_readonly("prediction", [](const Context& c) {
        const auto& x = c.at();
        return x.trace.prediction(x.sample, x.exit);
      })
      .def("confidence_at", [](const Context& c, int e) { return c.at().trace.confidence(c.at().sample, e); })
      .def("prediction_at", [](const Context& c, int e) { return c.at().trace.prediction(c.at().sample, e); })
      .def("probabilities", [](const Context& c) {
        const auto& x = c.at();
        if (!x.trace.has_probabilities()) throw py::value_error("the trace has no probabilities");
        const auto& p = x.trace.probability[static_cast<std::size_t>(x.exit)];
        py::array_t<double> a(p.cols());
        for (int k = 0; k < p.cols(); ++k) a.mutable_at(k) = p(x.sample, k);
        return a;
      })
      .def_property_readonly("label", [](const Context& c) { return c.at().trace.label(c.at().sample); },
                             "the true class: a policy that reads it is an oracle")
      .def("state", [](const Context& c) { return state_dict(c.at().state()); },
           "the system's state at this decision (declare needs_state = True)");

  py::class_<Outcome>(m, "Outcome", "what a request's end tells observe()")
      .def_property_readonly("request", [](const Outcome& o) { return o.o.request; })
      .def_property_readonly("device", [](const Outcome& o) { return o.o.device; })
      .def_property_readonly("sample", [](const Outcome& o) { return o.o.sample; })
      .def_property_readonly("exit", [](const Outcome& o) { return o.o.exit; })
      .def_property_readonly("exit_tier", [](const Outcome& o) { return std::string(tier_name(o.o.exit_tier)); })
      .def_property_readonly("confidence", [](const Outcome& o) { return o.o.confidence; })
      .def_property_readonly("correct", [](const Outcome& o) { return o.o.correct; })
      .def_property_readonly("dropped", [](const Outcome& o) { return o.o.dropped; })
      .def_property_readonly("lost", [](const Outcome& o) { return o.o.lost; })
      .def_property_readonly("latency_s", [](const Outcome& o) { return o.o.latency_s; })
      .def_property_readonly("energy_j", [](const Outcome& o) { return o.o.energy_j; });

  m.def(
      "register_policy",
      [](const std::string& name, py::object cls, const std::string& summary, bool needs_state, bool needs_feedback) {
        if (!py::hasattr(cls, "at_exit")) throw py::type_error(fmt::format("policy \"{}\": the class has no at_exit(ctx)", name));
        const PolicyNeeds needs{needs_state, needs_feedback};
        register_runtime_policy({name, summary.empty() ? "written in Python" : summary,
                                 [cls, needs](JsonReader& params) -> std::unique_ptr<Policy> {
                                   return std::make_unique<PythonPolicy>(cls(**kwargs_of(params)), needs);
                                 },
                                 Tunable{}});
      },
      py::arg("name"), py::arg("cls"), py::arg("summary") = "", py::arg("needs_state") = false,
      py::arg("needs_feedback") = false);
}

}  // namespace tiersim
