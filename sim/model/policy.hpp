#pragma once
// Offloading policies. A policy is asked at the input (before any stage) and at each exit
// a sample reaches; it answers exit here / continue / offload to a tier. Policies read the
// trace row of the sample and the context below: engines never know which runs. An adaptive
// policy may also read the system's state at the decision (queues, backlog, estimated upload
// and compute times: model/system_state.hpp) and learn from each request's outcome
// (observe); it says so in needs(). Each policy is one file under policies/ and registers
// itself by name. What a policy may see is listed in policies/README.md.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.hpp"
#include "io/profile.hpp"
#include "core/tier.hpp"
#include "io/trace.hpp"
#include "model/system_state.hpp"

namespace tiersim {

enum class Action : std::uint8_t { Exit, Continue, Offload };

struct Decision {
  Action action = Action::Continue;
  Tier target = Tier::Cloud;  // for Offload
  int answer = -1;            // for Exit: the class answered; -1 = this exit's prediction in the trace
  static Decision exit() { return {Action::Exit, Tier::Mobile}; }
  // Exit with a class other than the trace's argmax here (e.g. an argmax restricted to some classes).
  static Decision exit_answering(int cls) { return {Action::Exit, Tier::Mobile, cls}; }
  static Decision next() { return {Action::Continue, Tier::Mobile}; }
  static Decision offload(Tier t) { return {Action::Offload, t}; }
  bool operator==(const Decision&) const = default;
};

struct DecisionContext {
  const Trace& trace;
  const ModelProfile& profile;
  int sample;              // row of the trace
  int exit;                // trace exit just reached (-1 at the input)
  int stage;               // stage that ended in this exit (-1 at the input)
  Tier tier;               // where the sample is now
  std::uint64_t request;   // request number (for seeded per-request randomness)
  std::uint64_t seed;
  const StateProbe* probe = nullptr;  // set by the engine; null: no state (tests of the rule alone)
  // The system's state at this decision (its instant, queues, backlog, estimates). Computed on
  // demand: only policies that declare needs().state should ask. Without a probe: a zero-load
  // state with no servers.
  SystemState state() const;
};

// What a request's end tells the policy (Policy::observe), in simulated-time order. It holds
// what the device learns when the answer comes back: where and with which exit it ended, the
// exit's confidence, the latency and energy, whether a server dropped it. `correct` is the
// trace's verdict (the label): a policy that learns without labels must not read it.
struct RequestOutcome {
  std::uint64_t request = 0;
  int device = 0;
  int sample = 0;    // trace row
  int exit = -1;     // the answering exit (-1: lost, never answered)
  Tier exit_tier = Tier::Mobile;
  double confidence = 0;  // the answering exit's confidence in the trace (0 when lost)
  bool correct = false;
  bool dropped = false;   // a server dropped it (answered on the device, or lost)
  bool lost = false;      // never answered
  double arrival_s = 0, finish_s = 0;
  double latency_s = 0;
  double energy_j = 0;    // compute + radio energy charged to it
};

// What a policy needs besides the trace row; the engines adapt to it (policies/README.md).
struct PolicyNeeds {
  bool state = false;     // reads DecisionContext::state(): decisions are taken at their instant
  bool feedback = false;  // learns from observe(): outcomes are delivered in simulated-time order
  bool online() const { return state || feedback; }
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Before any stage runs. Default: start on the mobile device.
  // Decisions are not const: an online policy remembers what it chose for a request until
  // its outcome arrives. A policy with needs() {} must decide from the trace row alone.
  virtual Decision at_input(const DecisionContext&) { return Decision::next(); }
  // At each exit a request reaches. The final exit always ends the inference: there only the
  // answer of an Exit decision (exit_answering) counts.
  virtual Decision at_exit(const DecisionContext& ctx) = 0;
  // What it reads besides the trace row. Default: nothing (the engines may then decide ahead
  // of simulated time, which is what makes them fast).
  virtual PolicyNeeds needs() const { return {}; }
  // A request ended (answered, dropped or lost), in simulated-time order; called only for
  // policies whose needs().feedback is set.
  virtual void observe(const RequestOutcome&) {}
  // Called once before simulating: throws InputError if the trace or profile lacks what it
  // needs, and derives whatever the policy learns from the trace (e.g. MEANet's hard classes).
  virtual void prepare(const Trace&, const ModelProfile&) {}
  // What prepare() derived, for the run's summary (null when nothing).
  virtual nlohmann::json describe() const { return nullptr; }
  // What looks wrong about this policy on this trace, found by prepare(): one line each,
  // reported as warnings (the run goes on), e.g. a patience no sample can reach before the
  // last exit.
  virtual std::vector<std::string> warnings() const { return {}; }
  // Per-sample detail of what prepare() derived, as CSV text for the run's folder (file name ->
  // contents; e.g. DIMEC-DC's pools.csv, which the data-cartography map draws). Default: none.
  virtual std::map<std::string, std::string> state_files() const { return {}; }
};

// A factory reads its parameters from `params` (unknown ones are rejected by the registry).
using PolicyFactory = std::function<std::unique_ptr<Policy>(JsonReader& params)>;

// The one parameter `tiersim calibrate` tunes by default, and its natural range.
struct Tunable {
  enum class Upper { Fixed, LnClasses, Exits };  // hi as given, ln(classes), or the trace's exits
  std::string param;  // empty: nothing to tune
  double lo = 0, hi = 0;
  Upper upper = Upper::Fixed;
  bool integer = false;
};

struct PolicyInfo {
  std::string name, summary;
  PolicyFactory make;
  Tunable tunable;
  nlohmann::json example = nlohmann::json::object();  // parameters it builds from (policy_parameters)
};

// Static-object registration: `static PolicyRegistrar r{"name", "summary", factory, tunable, example};`
// `example`: parameters the factory accepts (its required ones at least), from which the
// parameter list is read.
struct PolicyRegistrar {
  PolicyRegistrar(std::string name, std::string summary, PolicyFactory make, Tunable tunable = {},
                  nlohmann::json example = nlohmann::json::object());
};

// The parameters a policy reads: the keys its factory reads or asks about when it builds from
// its example (so the list cannot drift from the code). InputError if the example is refused.
std::vector<std::string> policy_parameters(const PolicyInfo& policy);

const std::vector<PolicyInfo>& registered_policies();

// Registers a policy while the program runs (the Python module's policies written in Python):
// a name already registered this way is replaced; a built-in name is refused (InputError).
void register_runtime_policy(PolicyInfo info);

// Builds a policy by name; `params` errors name `file` and the JSON path /policy/params/...
std::unique_ptr<Policy> make_policy(const std::string& name, const nlohmann::json& params,
                                    const std::string& file);

// Per-exit thresholds: a number (same for all exits) or an array with one value per trace
// exit; checked against [lo, hi] and the trace's exit count when the policy is checked.
struct ExitThresholds {
  std::vector<double> values;  // one value means "all exits"
  std::string where;           // "file: /json/path", for errors
  static ExitThresholds read(JsonReader r, double lo, double hi);
  double at(int exit) const { return values.size() == 1 ? values[0] : values.at(exit); }
  void check_exits(int exits) const;
};

// Throws InputError unless the trace has per-exit entropy (given, or derivable).
void require_entropy(const Trace& trace, const std::string& policy);

}  // namespace tiersim
