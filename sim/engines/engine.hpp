#pragma once
// Engines turn a run's requests into records. Each engine is one file in this folder and
// registers itself by name, like policies; the runner and the command line know engines only
// through this interface and EngineInfo. See README.md in this folder.
#include <functional>
#include <memory>
#include <string>

#include "core/registry.hpp"

namespace tiersim {

struct RunSetup;
class Metrics;
class RequestLog;

class Engine {
 public:
  virtual ~Engine() = default;
  // Simulates every request of the run, adding one record per request to `metrics` (and to
  // `log`), and any engine-measured totals (host and link energy).
  virtual void run(RunSetup& setup, Metrics& metrics, RequestLog& log) = 0;
};

struct EngineInfo {
  std::string name, summary;
  // Whether many runs may share one process (their loaded inputs reused). SimGrid allows one
  // engine per process: its runs are not batchable.
  bool batchable = false;
  // Whether it models server failures (servers.failures); configs with failures need one that does.
  bool failures = false;
  // Whether adaptive policies see the system's state under load (queues, backlog); an engine
  // without it gives them the zero-load state, and the runner warns.
  bool live_state = false;
  std::function<std::unique_ptr<Engine>()> make;
};

using Engines = Registry<EngineInfo>;

// The engine named `name`; an unknown name throws InputError naming `where` (e.g.
// "config.json: /simulation/engine") and listing the registered engines.
inline const EngineInfo& find_engine(const std::string& name, const std::string& where) {
  return Engines::find(name, where, "engine");
}

}  // namespace tiersim
