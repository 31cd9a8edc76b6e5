#pragma once
// Replays a list of transfers (source host, destination host, bytes, start time) through SimGrid
// with a network model: the flow-level side of the ns-3 cross-check (bench/ns3/) and of network
// calibration. No compute, no policy: only the network model's completion times.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "io/platform.hpp"

namespace tiersim {

struct Transfer {
  long long id = 0;
  std::string source, destination;  // host names of the platform
  double start_s = 0, bytes = 0;
  double end_s = 0;  // filled by replay_transfers
};

// The route from host `from` to host `to` as JSON: platform, from, to, latency_s and its links in
// order (id, bandwidth_Bps, latency_s, shared: false for a FATPIPE link).
nlohmann::json describe_route(SimgridSession& session, const Platform& platform, const std::string& from,
                              const std::string& to);

// Reads transfer,source,destination,start_s,bytes rows (InputError naming file and line).
std::vector<Transfer> read_transfers(const std::string& path);

// Runs every transfer in the session's engine on `platform`; fills end_s. One call per process
// (SimGrid's engine runs once). A model's time jitter draws transfer t as request t's first hop
// of a run seeded `seed` (transfer_draw).
void replay_transfers(SimgridSession& session, const Platform& platform, std::vector<Transfer>& transfers,
                      const std::string& transfers_path, std::uint64_t seed);

// The CSV of completion times: transfer,source,destination,start_s,bytes,end_s,duration_s,
// shortest exact doubles (the command line writes it with write_text_atomically).
std::string transfer_times_csv(const std::vector<Transfer>& transfers);

}  // namespace tiersim
