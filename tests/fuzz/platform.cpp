// Fuzz target: the checks tiersim adds to SimGrid's reading of a platform — each host's
// properties (role, wattage_per_state, radio_tx_w/_rx_w, edge; io/platform.cpp), the
// platform's assembly (edges that exist), each phone's radio model with its radio.NAME
// parameters and its battery (model/device_power.cpp), and the block scan of the file for
// the words that switch profiles and link energy on. SimGrid's own XML parser is not fuzzed
// here: SimGrid allows one engine and one platform per process, so it cannot be re-run per
// input (tests/test_bad_input.cpp covers malformed XML and missing routes through the CLI).
// Input: lines "host NAME [SPEED [CORES]]" start a host; "KEY=VALUE" lines give it properties.
#include <deque>
#include <sstream>

#include "fuzz_input.hpp"
#include "core/error.hpp"
#include "io/platform.hpp"
#include "model/accounting.hpp"
#include "model/device_power.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = tiersim::fuzz::as_view(data, size);
  const auto path = tiersim::fuzz::write_scratch("platform.xml", input);
  struct Declared {
    std::string name;
    double speed = 1e9;
    int cores = 1;
    tiersim::HostProperties properties;
  };
  std::deque<Declared> declared;  // stable addresses: HostInfo points at the properties
  std::istringstream lines{std::string(input)};
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("host ", 0) == 0) {
      Declared d;
      std::istringstream words(line.substr(5));
      words >> d.name >> d.speed >> d.cores;
      if (d.name.empty() || !(d.speed > 0) || d.cores < 1) return 0;  // SimGrid refuses these itself
      declared.push_back(std::move(d));
    } else if (const auto eq = line.find('='); eq != std::string::npos && !declared.empty()) {
      declared.back().properties[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  try {
    (void)tiersim::file_mentions(path, {"availability_file", "<trace ", "wattage_range"});
    std::vector<tiersim::HostInfo> hosts;
    for (const auto& d : declared)
      if (auto info = tiersim::read_host_info(path, d.name, d.speed, d.cores, d.properties)) hosts.push_back(*info);
    const auto platform = tiersim::Platform::from_hosts(path, std::move(hosts));
    const int phones = static_cast<int>(platform.hosts(tiersim::Tier::Mobile).size());
    const tiersim::DevicePower power(platform, phones, tiersim::AccountingConfig{});
    (void)power.radio_models();
  } catch (const tiersim::InputError& e) {
    tiersim::fuzz::refused(e);
  }
  return 0;
}
