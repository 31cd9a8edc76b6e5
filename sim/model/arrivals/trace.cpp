// Replayed arrivals: a CSV file with one row per request, columns `device` (0 .. devices - 1)
// and `time_s` (seconds from the start, >= 0), rows sorted by time (ties allowed). The first
// workload.requests rows are replayed; request ids follow the rows' order. A relative `file` is
// resolved against the config's folder; files may be gzip-compressed.
#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "model/arrivals/arrival.hpp"
#include "io/csv.hpp"
#include "core/error.hpp"

namespace tiersim {

namespace {

class Replay final : public ArrivalProcess {
 public:
  Replay(const ArrivalContext& c, const std::string& path, const std::string& where) : ArrivalProcess(c), of_device_(static_cast<std::size_t>(c.devices)) {
    CsvReader csv(path);
    const auto c_device = csv.column("device"), c_time = csv.column("time_s");
    double last = 0;
    long long rows = 0;
    while (rows < c.requests && csv.next()) {
      const long long device = csv.integer(c_device);
      const double time = csv.real(c_time);
      if (device < 0 || device >= c.devices)
        csv.fail(fmt::format("device {}: expected a device from 0 to {} (workload.devices = {})", device, c.devices - 1, c.devices));
      if (time < 0) csv.fail(fmt::format("time_s {}: expected a non-negative time in seconds", time));
      if (time < last) csv.fail(fmt::format("time_s {} is before the previous row's {}: expected rows sorted by time", time, last));
      last = time;
      of_device_[static_cast<std::size_t>(device)].push_back({time, static_cast<std::uint64_t>(rows++)});
    }
    if (rows < c.requests)
      throw InputError(fmt::format("{}: {} has {} requests: expected at least workload.requests = {}", where, path, rows, c.requests));
  }
  double arrival(int device, long long k, double) override { return at(device, k).time; }
  long long requests_of(int device) const override { return static_cast<long long>(of_device_[static_cast<std::size_t>(device)].size()); }
  std::uint64_t request_id(int device, long long k) const override { return at(device, k).id; }

 private:
  struct Row {
    double time;
    std::uint64_t id;
  };
  const Row& at(int device, long long k) const { return of_device_[static_cast<std::size_t>(device)][static_cast<std::size_t>(k)]; }
  std::vector<std::vector<Row>> of_device_;
};

const ArrivalProcesses::Registrar kTrace{
    {"trace", "replays a CSV of (device, time_s) rows, one per request", [](JsonReader& p, const ArrivalContext& c) {
       auto file = p.at("file");
       std::filesystem::path path = file.string();
       if (path.is_relative()) path = std::filesystem::path(c.base_dir) / path;
       if (!std::filesystem::exists(path)) file.fail(fmt::format("an existing CSV file, \"{}\" does not exist", path.string()));
       return std::make_unique<Replay>(c, path.lexically_normal().string(), p.where());
     }}};

}  // namespace

}  // namespace tiersim
