#include "engines/transfer_replay.hpp"

#include <fmt/format.h>
#include <simgrid/kernel/Timer.hpp>
#include <simgrid/s4u.hpp>

#include <cmath>
#include <unordered_map>

#include "core/error.hpp"
#include "io/csv.hpp"

namespace tiersim {

namespace sg4 = simgrid::s4u;

namespace {

// The platform's host `name`; else InputError "<where>: no host "<name>" in <platform>".
sg4::Host* host_named(SimgridSession& session, const Platform& platform, const std::string& name,
                      const std::string& where) {
  auto* host = session.engine().host_by_name_or_null(name);
  if (!host) throw InputError(fmt::format("{}: no host \"{}\" in {}", where, name, platform.path()));
  return host;
}

}  // namespace

nlohmann::json describe_route(SimgridSession& session, const Platform& platform, const std::string& from,
                              const std::string& to) {
  auto* src = host_named(session, platform, from, "network route");
  auto* dst = host_named(session, platform, to, "network route");
  std::vector<sg4::Link*> links;
  double latency = 0;
  src->route_to(dst, links, &latency);
  nlohmann::json out{{"platform", platform.path()}, {"from", from}, {"to", to}, {"latency_s", latency},
                     {"links", nlohmann::json::array()}};
  for (auto* l : links)
    out["links"].push_back({{"id", l->get_name()},
                            {"bandwidth_Bps", l->get_bandwidth()},
                            {"latency_s", l->get_latency()},
                            {"shared", l->get_sharing_policy() != sg4::Link::SharingPolicy::FATPIPE}});
  return out;
}

std::vector<Transfer> read_transfers(const std::string& path) {
  CsvReader csv(path);
  const std::size_t id = csv.column("transfer"), src = csv.column("source"), dst = csv.column("destination"),
                    start = csv.column("start_s"), bytes = csv.column("bytes");
  std::vector<Transfer> rows;
  while (csv.next()) {
    Transfer t;
    t.id = csv.integer(id);
    t.source = std::string(csv.text(src));
    t.destination = std::string(csv.text(dst));
    t.start_s = csv.real(start);
    t.bytes = csv.real(bytes);
    if (!(t.start_s >= 0) || !std::isfinite(t.start_s)) csv.fail(fmt::format("start_s: expected a time >= 0, got {}", t.start_s));
    if (!(t.bytes >= 1) || !std::isfinite(t.bytes)) csv.fail(fmt::format("bytes: expected at least 1 byte, got {}", t.bytes));
    rows.push_back(std::move(t));
  }
  if (rows.empty()) throw InputError(fmt::format("{}: no transfers (expected transfer,source,destination,start_s,bytes rows)", path));
  return rows;
}

void replay_transfers(SimgridSession& session, const Platform& platform, std::vector<Transfer>& transfers,
                      const std::string& transfers_path, std::uint64_t seed) {
  std::vector<std::pair<sg4::Host*, sg4::Host*>> hosts;
  for (const Transfer& t : transfers) {
    const std::string where = fmt::format("{}: transfer {}", transfers_path, t.id);
    hosts.emplace_back(host_named(session, platform, t.source, where), host_named(session, platform, t.destination, where));
  }
  std::unordered_map<const sg4::Activity*, std::size_t> index;
  std::vector<sg4::CommPtr> comms(transfers.size());  // keep each comm alive until it completes
  sg4::Activity::on_completion_cb([&](const sg4::Activity& a) {
    if (auto it = index.find(&a); it != index.end()) transfers[it->second].end_s = sg4::Engine::get_clock();
  });
  for (std::size_t i = 0; i < transfers.size(); ++i)
    simgrid::kernel::timer::Timer::set(transfers[i].start_s, [&, i] {
      auto comm = sg4::Comm::sendto_init(hosts[i].first, hosts[i].second);
      comm->set_payload_size(static_cast<std::uint64_t>(transfers[i].bytes));
      index.emplace(comm.get(), i);
      comms[i] = comm;
      session.network().next_transfer_draw(transfer_draw(seed, static_cast<std::uint64_t>(transfers[i].id), 0));
      comm->start();
    });
  session.engine().run();
}

std::string transfer_times_csv(const std::vector<Transfer>& transfers) {
  std::string text = "transfer,source,destination,start_s,bytes,end_s,duration_s\n";
  for (const auto& t : transfers)
    text += csv_row({std::to_string(t.id), t.source, t.destination, fmt::format("{}", t.start_s),
                     fmt::format("{}", t.bytes), fmt::format("{}", t.end_s), fmt::format("{}", t.end_s - t.start_s)});
  return text;
}

}  // namespace tiersim
