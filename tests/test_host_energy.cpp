// The engines integrate host energy themselves (engines/host_energy.hpp) instead of loading
// SimGrid's host energy plugin: here both measure the same executions on the edge host of
// tests/data/tiny_platform.xml (10 GMAC/s per core, 2 cores, 10 / 20 / 30 W), and must agree.
// Each test case runs in its own process (SimGrid allows one engine per process).
#include <catch2/catch.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <vector>

#include "engines/host_energy.hpp"
#include "helpers.hpp"

namespace sg4 = simgrid::s4u;

namespace {

struct Execution {
  double start, flops;
};

// Runs the executions on edge-0 with the plugin on; returns the plugin's energy above idle
// and fills `meter` (running_changes) as the executions start and end.
double plugin_joules(const std::vector<Execution>& executions, tiersim::HostEnergyMeter& meter) {
  int argc = 1;
  char name[] = "test";
  char* argv[] = {name, nullptr};
  sg4::Engine engine(&argc, argv);
  sg_host_energy_plugin_init();
  engine.load_platform(testing::source_path("tests/data/tiny_platform.xml"));
  sg4::Host* edge = engine.host_by_name("edge-0");
  for (const auto& e : executions)
    sg4::Actor::create("exec", edge, [&meter, e, edge] {
      sg4::this_actor::sleep_until(e.start);
      meter.running_changes(sg4::Engine::get_clock(), +1, edge->get_core_count());
      sg4::this_actor::execute(e.flops);
      meter.running_changes(sg4::Engine::get_clock(), -1, edge->get_core_count());
    });
  engine.run();
  return sg_host_get_consumed_energy(edge) - 10.0 * sg4::Engine::get_clock();  // above 10 W idle
}

tiersim::HostInfo edge_info() {
  tiersim::HostInfo h;
  h.cores = 2;
  h.has_power = true;
  h.idle_w = 10;
  h.epsilon_w = 20;
  h.all_cores_w = 30;
  return h;
}

}  // namespace

// Two executions overlap on the two cores, the host idles, then one runs alone. By hand: one
// core busy over [0, 0.5], [1, 1.5] and [3, 3.2] at 20 + (30 - 20) / 2 = 25 W, both over
// [0.5, 1] at 30 W: above the 10 W idle, 15 x 1.2 + 20 x 0.5 = 28 J.
TEST_CASE("host energy in closed form equals SimGrid's host energy plugin when each execution has a core",
          "[energy][host]") {
  tiersim::HostEnergyMeter simulated, closed_form;
  const double plugin = plugin_joules({{0.0, 1e10}, {0.5, 1e10}, {3.0, 2e9}}, simulated);
  closed_form.add_execution(0.0, 1.0);
  closed_form.add_execution(0.5, 1.5);
  closed_form.add_execution(3.0, 3.2);
  const auto host = edge_info();
  CHECK(closed_form.joules(host) == Approx(28.0));
  CHECK(plugin == Approx(28.0).epsilon(1e-9));
  CHECK(simulated.joules(host) == Approx(plugin).epsilon(1e-9));
}

// Three executions on two cores share them (SimGrid's Cas01 CPU model): the load is
// min(running, cores) / cores, which running_changes integrates at each start and end.
TEST_CASE("host energy of executions sharing cores equals SimGrid's host energy plugin", "[energy][host]") {
  tiersim::HostEnergyMeter simulated;
  const double plugin = plugin_joules({{0.0, 1e10}, {0.0, 1e10}, {0.2, 1e10}, {5.0, 1e9}}, simulated);
  CHECK(plugin > 0);
  CHECK(simulated.joules(edge_info()) == Approx(plugin).epsilon(1e-9));
}
