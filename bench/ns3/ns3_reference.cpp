// Packet-level reference for tiersim's network models (ns-3 3.37, Debian's libns3-dev).
//
//   ns3_reference SCENARIO.json TRANSFERS.csv OUT.csv
//
// Builds the scenario bench/ns3/crosscheck.py wrote from a tiersim route (`tiersim network route`):
// the sources (phones on one 802.11 access point with the given standard, channel width, MCS,
// streams and guard interval; or one wired host), then the route's wired links as point-to-point links in a chain
// (bandwidth and latency from the platform), the destination at the end. Every row of
// TRANSFERS.csv (transfer,device,start_s,bytes) is one TCP upload of `bytes` from device `device`
// started at `start_s`; OUT.csv gets transfer,device,start_s,bytes,end_s,duration_s, the time the
// destination received the last byte (nan when it had not by stop_s).
//
// TCP: the variant, segment size, initial window and socket buffers come from the scenario
// (cases.json gives Linux's defaults: Cubic, 1448-byte segments, 10 segments, 4 MiB buffers, the
// buffer matching SimGrid's TCP-gamma window bound), and the minimum retransmission timeout
// (min_rto_ms, default ns-3's 1 s from RFC 6298; Linux uses 200 ms, but with 200 ms one of five 5 MB
// WAN uploads stalled until stop_s in ns-3 3.37, so cases.json keeps the default). Queues are ns-3's defaults (100-packet DropTail on a
// point-to-point device, 1000-packet pfifo_fast above it). ARP caches are filled before the start
// so the first packet of a transfer does not wait for a resolution a busy phone would have cached.
//
// Bad input: one line naming the file and the line or JSON path, exit status 2.
#include <ns3/applications-module.h>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/lte-module.h>
#include <ns3/mobility-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <ns3/wifi-module.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ns3;
using nlohmann::json;

namespace {

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- scenario ------------------------------------------------------------------------------

struct WifiSettings {
  std::string standard;  // "802.11n", "802.11ac", "802.11ax", "802.11a", "802.11g"
  int channel_width_mhz = 20, mcs = 0, spatial_streams = 1, guard_interval_ns = 800;
  double distance_m = 2;
};

// An LTE cell with ns-3's EPC (LENA): phones are UEs of one eNodeB, their uploads cross the S1-U
// link to the SGW/PGW, then the route's wired links.
struct LteSettings {
  int bandwidth_rb = 100;     // resource blocks up and down: 6, 15, 25, 50, 75 or 100 (1.4 to 20 MHz)
  double distance_m = 300;    // UEs on a circle of this radius around the eNodeB
  double ue_tx_power_dbm = 23;  // 3GPP TS 36.101 power class 3 (ns-3's default is 10 dBm)
  double enb_tx_power_dbm = 46; // a macro cell, 3GPP TR 36.814 Table A.2.1.1-2 (ns-3's default 30 dBm)
};

struct WiredLink {
  std::string id;
  double bandwidth_bps = 0;  // bits per second
  double latency_s = 0;
};

struct Scenario {
  bool wifi = false, lte = false;
  WifiSettings radio;
  LteSettings cell;
  std::vector<WiredLink> path;  // from the access point (or the wired source) to the destination
  int devices = 1;
  std::string tcp_variant = "ns3::TcpCubic";
  int segment_bytes = 1448, initial_cwnd = 10;
  double buffer_bytes = 4194304;
  double min_rto_ms = 1000;  // ns-3's default (RFC 6298); Linux uses 200 ms (TCP_RTO_MIN, include/net/tcp.h)
  // "per_transfer": each transfer opens its own connection (its handshake is part of its time);
  // "per_device": one connection per device, opened during the warm-up, carries its transfers in turn.
  bool connection_per_device = false;
  double stop_s = 600;
};

// Strict reading: every value's JSON path in the error, unknown keys refused.
class Reader {
 public:
  Reader(const std::string& file, const json& j, std::string path) : file_(file), j_(j), path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
    throw BadInput(file_ + ": " + path_ + "/" + key + ": " + expected);
  }
  const json& need(const std::string& key) const {
    if (!j_.is_object() || !j_.contains(key)) fail(key, "missing (required)");
    return j_.at(key);
  }
  double number(const std::string& key, double lo, double hi, const std::string& what) const {
    const json& v = need(key);
    if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi)) fail(key, "expected " + what);
    return v.get<double>();
  }
  double number_or(const std::string& key, double fallback, double lo, double hi, const std::string& what) const {
    return j_.contains(key) ? number(key, lo, hi, what) : fallback;
  }
  int integer(const std::string& key, int lo, int hi, const std::string& what) const {
    const double v = number(key, lo, hi, what);
    if (v != std::floor(v)) fail(key, "expected " + what);
    return static_cast<int>(v);
  }
  std::string string(const std::string& key, const std::string& what) const {
    const json& v = need(key);
    if (!v.is_string()) fail(key, "expected " + what);
    return v.get<std::string>();
  }
  Reader child(const std::string& key) const {
    const json& v = need(key);
    if (!v.is_object()) fail(key, "expected an object");
    return Reader(file_, v, path_ + "/" + key);
  }
  const json& value() const { return j_; }
  const std::string& path() const { return path_; }
  void only(const std::vector<std::string>& keys) const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool known = false;
      for (const auto& k : keys) known = known || it.key() == k;
      if (!known) fail(it.key(), "unknown key");
    }
  }

 private:
  std::string file_;
  const json& j_;
  std::string path_;
};

// The highest MCS each standard defines for one stream (802.11n counts streams in its MCS index:
// 0-7 per stream), and the channel widths it allows.
struct StandardInfo {
  WifiStandard standard;
  int max_mcs;
  std::vector<int> widths;
  WifiPhyBand band;
};

const std::map<std::string, StandardInfo>& standards() {
  static const std::map<std::string, StandardInfo> table{
      {"802.11a", {WIFI_STANDARD_80211a, 7, {20}, WIFI_PHY_BAND_5GHZ}},
      {"802.11g", {WIFI_STANDARD_80211g, 7, {20}, WIFI_PHY_BAND_2_4GHZ}},
      {"802.11n", {WIFI_STANDARD_80211n, 7, {20, 40}, WIFI_PHY_BAND_5GHZ}},
      {"802.11ac", {WIFI_STANDARD_80211ac, 9, {20, 40, 80, 160}, WIFI_PHY_BAND_5GHZ}},
      {"802.11ax", {WIFI_STANDARD_80211ax, 11, {20, 40, 80, 160}, WIFI_PHY_BAND_5GHZ}},
  };
  return table;
}

WifiSettings read_wifi(const Reader& r) {
  r.only({"type", "standard", "channel_width_mhz", "mcs", "spatial_streams", "guard_interval_ns", "distance_m"});
  WifiSettings w;
  w.standard = r.string("standard", "a string");
  const auto found = standards().find(w.standard);
  if (found == standards().end())
    r.fail("standard", "unknown 802.11 standard '" + w.standard + "' (expected one of: 802.11a, 802.11ac, 802.11ax, 802.11g, 802.11n)");
  const StandardInfo& s = found->second;
  w.channel_width_mhz = r.integer("channel_width_mhz", 20, 160, "a channel width in MHz");
  bool width_ok = false;
  std::string widths;
  for (int width : s.widths) {
    width_ok = width_ok || width == w.channel_width_mhz;
    widths += (widths.empty() ? "" : ", ") + std::to_string(width);
  }
  if (!width_ok) r.fail("channel_width_mhz", w.standard + " has no " + std::to_string(w.channel_width_mhz) + " MHz channel (expected one of: " + widths + ")");
  w.mcs = static_cast<int>(r.number("mcs", -1e9, 1e9, "an MCS index"));
  if (w.mcs < 0 || w.mcs > s.max_mcs || w.mcs != r.value().at("mcs").get<double>())
    r.fail("mcs", w.standard + " has no MCS " + r.value().at("mcs").dump() + " (expected an integer 0 to " + std::to_string(s.max_mcs) + ")");
  w.spatial_streams = static_cast<int>(r.number_or("spatial_streams", 1, 1, 4, "1 to 4 spatial streams"));
  if ((w.standard == "802.11a" || w.standard == "802.11g") && w.spatial_streams != 1)
    r.fail("spatial_streams", w.standard + " has one spatial stream");
  w.guard_interval_ns = static_cast<int>(r.number_or("guard_interval_ns", 800, 0, 3200, "a guard interval in ns"));
  const bool he = w.standard == "802.11ax";
  const bool gi_ok = he ? (w.guard_interval_ns == 800 || w.guard_interval_ns == 1600 || w.guard_interval_ns == 3200)
                        : (w.guard_interval_ns == 800 || (w.guard_interval_ns == 400 && w.standard != "802.11a" && w.standard != "802.11g"));
  if (!gi_ok) r.fail("guard_interval_ns", w.standard + (he ? " guard intervals are 800, 1600 or 3200 ns" : " guard intervals are 800 ns (400 ns short GI for 802.11n/ac)"));
  w.distance_m = r.number_or("distance_m", 2, 0.1, 1000, "a distance to the access point in metres, 0.1 to 1000");
  return w;
}

LteSettings read_lte(const Reader& r) {
  r.only({"type", "bandwidth_rb", "distance_m", "ue_tx_power_dbm", "enb_tx_power_dbm"});
  LteSettings l;
  l.bandwidth_rb = r.integer("bandwidth_rb", 0, 1000, "a number of resource blocks");
  if (l.bandwidth_rb != 6 && l.bandwidth_rb != 15 && l.bandwidth_rb != 25 && l.bandwidth_rb != 50 && l.bandwidth_rb != 75 &&
      l.bandwidth_rb != 100)
    r.fail("bandwidth_rb", "LTE has no " + std::to_string(l.bandwidth_rb) +
                               "-block channel (expected one of: 6, 15, 25, 50, 75, 100)");
  l.distance_m = r.number_or("distance_m", l.distance_m, 1, 10000, "a distance to the eNodeB in metres, 1 to 10000");
  l.ue_tx_power_dbm = r.number_or("ue_tx_power_dbm", l.ue_tx_power_dbm, -40, 30, "dBm, -40 to 30");
  l.enb_tx_power_dbm = r.number_or("enb_tx_power_dbm", l.enb_tx_power_dbm, 0, 60, "dBm, 0 to 60");
  return l;
}

Scenario read_scenario(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw BadInput(file + ": cannot open file (expected the scenario JSON of tiersim network cases)");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw BadInput(file + ": not JSON (" + std::string(e.what()) + ")");
  }
  Reader root(file, j, "");
  if (!j.is_object()) throw BadInput(file + ": expected a JSON object");
  root.only({"access", "path", "devices", "tcp", "stop_s", "case", "platform", "route"});
  Scenario s;
  Reader access = root.child("access");
  const std::string type = access.string("type", "\"wifi\", \"lte\" or \"wired\"");
  if (type == "wifi") {
    s.wifi = true;
    s.radio = read_wifi(access);
  } else if (type == "lte") {
    s.lte = true;
    s.cell = read_lte(access);
  } else if (type == "wired") {
    access.only({"type"});
  } else {
    access.fail("type", "expected \"wifi\", \"lte\" or \"wired\", got '" + type + "'");
  }
  const json& path = root.need("path");
  if (!path.is_array() || path.empty()) root.fail("path", "expected a non-empty array of links");
  for (std::size_t i = 0; i < path.size(); ++i) {
    Reader link(file, path[i], "/path/" + std::to_string(i));
    link.only({"id", "bandwidth_bps", "latency_s"});
    s.path.push_back({link.string("id", "a link id"), link.number("bandwidth_bps", 1, 1e13, "bits per second, 1 to 1e13"),
                      link.number("latency_s", 0, 10, "seconds, 0 to 10")});
  }
  s.devices = root.integer("devices", 1, 100000, "a device count, 1 to 100000");
  if (j.contains("tcp")) {
    Reader tcp = root.child("tcp");
    tcp.only({"variant", "segment_bytes", "initial_cwnd", "buffer_bytes", "min_rto_ms", "connection"});
    if (j["tcp"].contains("variant")) {
      s.tcp_variant = "ns3::" + tcp.string("variant", "a TCP variant");
      TypeId tid;
      if (!TypeId::LookupByNameFailSafe(s.tcp_variant, &tid))
        tcp.fail("variant", "unknown ns-3 TCP variant '" + s.tcp_variant + "' (e.g. TcpCubic, TcpNewReno, TcpBbr)");
    }
    s.segment_bytes = static_cast<int>(tcp.number_or("segment_bytes", s.segment_bytes, 100, 9000, "bytes, 100 to 9000"));
    s.initial_cwnd = static_cast<int>(tcp.number_or("initial_cwnd", s.initial_cwnd, 1, 100, "segments, 1 to 100"));
    s.buffer_bytes = tcp.number_or("buffer_bytes", s.buffer_bytes, 1e4, 1e9, "bytes, 1e4 to 1e9");
    s.min_rto_ms = tcp.number_or("min_rto_ms", s.min_rto_ms, 1, 60000, "milliseconds, 1 to 60000");
    if (j["tcp"].contains("connection")) {
      const std::string c = tcp.string("connection", "\"per_transfer\" or \"per_device\"");
      if (c != "per_transfer" && c != "per_device")
        tcp.fail("connection", "expected \"per_transfer\" or \"per_device\", got '" + c + "'");
      s.connection_per_device = c == "per_device";
    }
  }
  s.stop_s = root.number_or("stop_s", s.stop_s, 0.001, 1e6, "seconds");
  return s;
}

struct Transfer {
  long id;
  int device;
  double start_s;
  double bytes;
  double end_s = std::numeric_limits<double>::quiet_NaN();
  uint64_t received = 0;
  double offset_s = 0;  // the warm-up: start_s and end_s are counted from its end
  std::size_t* unfinished = nullptr;  // transfers not yet complete, shared by all

  // The destination has every byte: the end time, and the run stops with the last one (an LTE
  // cell's periodic signalling would otherwise keep it busy to stop_s).
  void done() {
    end_s = Simulator::Now().GetSeconds() - offset_s;
    if (--*unfinished == 0) Simulator::Stop();
  }
};

std::vector<Transfer> read_transfers(const std::string& file, int devices) {
  std::ifstream in(file);
  if (!in) throw BadInput(file + ": cannot open file (expected transfer,device,start_s,bytes rows)");
  std::string line;
  std::getline(in, line);
  if (line != "transfer,device,start_s,bytes") throw BadInput(file + ":1: expected the header transfer,device,start_s,bytes");
  std::vector<Transfer> rows;
  for (long n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    std::istringstream cells(line);
    std::string c[4];
    for (auto& cell : c) std::getline(cells, cell, ',');
    try {
      std::size_t used = 0;
      Transfer t{std::stol(c[0]), std::stoi(c[1]), std::stod(c[2]), std::stod(c[3], &used)};
      if (used != c[3].size()) throw std::invalid_argument("trailing");
      if (t.device < 0 || t.device >= devices)
        throw BadInput(file + ":" + std::to_string(n) + ": device " + c[1] + " is not one of the scenario's " + std::to_string(devices));
      if (!(t.start_s >= 0) || !(t.bytes >= 1))
        throw BadInput(file + ":" + std::to_string(n) + ": expected start_s >= 0 and bytes >= 1");
      rows.push_back(t);
    } catch (const std::logic_error&) {
      throw BadInput(file + ":" + std::to_string(n) + ": expected transfer,device,start_s,bytes numbers, got '" + line + "'");
    }
  }
  if (rows.empty()) throw BadInput(file + ": no transfers");
  return rows;
}

// ---- the network -------------------------------------------------------------------------------

std::string wifi_mode(const WifiSettings& w, int mcs) {
  if (w.standard == "802.11n") return "HtMcs" + std::to_string(mcs + 8 * (w.spatial_streams - 1));
  if (w.standard == "802.11ac") return "VhtMcs" + std::to_string(mcs);
  if (w.standard == "802.11ax") return "HeMcs" + std::to_string(mcs);
  static const char* ofdm[] = {"6", "9", "12", "18", "24", "36", "48", "54"};
  return (w.standard == "802.11g" ? "ErpOfdmRate" : "OfdmRate") + std::string(ofdm[mcs]) + "Mbps";
}

// Installs the WiFi cell; returns the sources' devices then the AP's, all on one subnet.
NetDeviceContainer install_wifi(const WifiSettings& w, NodeContainer& stations, Ptr<Node> ap) {
  const StandardInfo& info = standards().at(w.standard);
  WifiHelper wifi;
  wifi.SetStandard(info.standard);
  wifi.SetRemoteStationManager("ns3::ConstantRateWifiManager", "DataMode", StringValue(wifi_mode(w, w.mcs)),
                               "ControlMode", StringValue(wifi_mode(w, 0)));
  YansWifiChannelHelper channel = YansWifiChannelHelper::Default();
  YansWifiPhyHelper phy;
  phy.SetChannel(channel.Create());
  const std::string band = info.band == WIFI_PHY_BAND_2_4GHZ ? "BAND_2_4GHZ" : "BAND_5GHZ";
  phy.Set("ChannelSettings", StringValue("{0, " + std::to_string(w.channel_width_mhz) + ", " + band + ", 0}"));
  phy.Set("Antennas", UintegerValue(w.spatial_streams));
  phy.Set("MaxSupportedTxSpatialStreams", UintegerValue(w.spatial_streams));
  phy.Set("MaxSupportedRxSpatialStreams", UintegerValue(w.spatial_streams));
  WifiMacHelper mac;
  Ssid ssid("tiersim");
  mac.SetType("ns3::StaWifiMac", "Ssid", SsidValue(ssid));
  NetDeviceContainer devices = wifi.Install(phy, mac, stations);
  mac.SetType("ns3::ApWifiMac", "Ssid", SsidValue(ssid));
  devices.Add(wifi.Install(phy, mac, ap));
  if (w.standard == "802.11ax")
    Config::Set("/NodeList/*/DeviceList/*/$ns3::WifiNetDevice/HeConfiguration/GuardInterval",
                TimeValue(NanoSeconds(w.guard_interval_ns)));
  else if (w.standard == "802.11n" || w.standard == "802.11ac")
    Config::Set("/NodeList/*/DeviceList/*/$ns3::WifiNetDevice/HtConfiguration/ShortGuardIntervalSupported",
                BooleanValue(w.guard_interval_ns == 400));

  // Phones on a circle of the given radius around the access point.
  MobilityHelper mobility;
  Ptr<ListPositionAllocator> positions = CreateObject<ListPositionAllocator>();
  for (uint32_t i = 0; i < stations.GetN(); ++i) {
    const double angle = 2 * M_PI * i / stations.GetN();
    positions->Add(Vector(w.distance_m * std::cos(angle), w.distance_m * std::sin(angle), 0));
  }
  positions->Add(Vector(0, 0, 0));
  mobility.SetPositionAllocator(positions);
  mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
  mobility.Install(stations);
  mobility.Install(ap);
  return devices;
}

// Installs the LTE cell: one eNodeB at the origin, the UEs on a circle around it, attached, with an
// address and a default route through the EPC. RLC in acknowledged mode, as operators carry TCP.
NetDeviceContainer install_lte(const Scenario& s, NodeContainer& ues, LteHelper& lte, PointToPointEpcHelper& epc) {
  const LteSettings& c = s.cell;
  Config::SetDefault("ns3::LteUePhy::TxPower", DoubleValue(c.ue_tx_power_dbm));
  Config::SetDefault("ns3::LteEnbPhy::TxPower", DoubleValue(c.enb_tx_power_dbm));
  Config::SetDefault("ns3::LteEnbRrc::EpsBearerToRlcMapping", EnumValue(LteEnbRrc::RLC_AM_ALWAYS));
  // ns-3's 10 KiB RLC transmission buffer drops TCP's bursts at once; a UE's RLC buffer holds about
  // one bandwidth-delay product of a 20 MHz cell (75 Mb/s x 50 ms = 470 kB), so 512 KiB.
  Config::SetDefault("ns3::LteRlcAm::MaxTxBufferSize", UintegerValue(512 * 1024));
  // The sounding reference signal period bounds the UEs a cell serves (ns-3: 40 serves 40).
  uint32_t srs = 40;
  while (srs < static_cast<uint32_t>(ues.GetN()) + 1 && srs < 320) srs *= 2;
  if (srs < static_cast<uint32_t>(ues.GetN()) + 1) throw BadInput("an LTE cell of ns-3 serves at most 319 UEs");
  Config::SetDefault("ns3::LteEnbRrc::SrsPeriodicity", UintegerValue(srs));
  lte.SetEnbDeviceAttribute("UlBandwidth", UintegerValue(c.bandwidth_rb));
  lte.SetEnbDeviceAttribute("DlBandwidth", UintegerValue(c.bandwidth_rb));
  NodeContainer enb;
  enb.Create(1);
  MobilityHelper mobility;
  Ptr<ListPositionAllocator> positions = CreateObject<ListPositionAllocator>();
  positions->Add(Vector(0, 0, 0));
  for (uint32_t i = 0; i < ues.GetN(); ++i) {
    const double angle = 2 * M_PI * i / ues.GetN();
    positions->Add(Vector(c.distance_m * std::cos(angle), c.distance_m * std::sin(angle), 0));
  }
  mobility.SetPositionAllocator(positions);
  mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
  mobility.Install(enb);
  mobility.Install(ues);
  NetDeviceContainer enb_devices = lte.InstallEnbDevice(enb);
  NetDeviceContainer ue_devices = lte.InstallUeDevice(ues);
  epc.AssignUeIpv4Address(ue_devices);
  Ipv4StaticRoutingHelper routing;
  for (uint32_t i = 0; i < ues.GetN(); ++i)
    routing.GetStaticRouting(ues.Get(i)->GetObject<Ipv4>())->SetDefaultRoute(epc.GetUeDefaultGatewayAddress(), 1);
  lte.Attach(ue_devices, enb_devices.Get(0));
  return ue_devices;
}

// Warm-up, before the first measured transfer: the stations associate (by ~0.7 s for 20), the
// neighbour caches are filled, then each station exchanges three UDP echoes with the destination,
// 5 ms apart from the next station, which sets up the 802.11 Block Ack agreements both ways as on a
// phone in use. Without it, ns-3 3.37 loses frames when the ADDBA handshakes of several stations
// race: with 20 phones starting at once on 802.11ac, 9 of 20 TCP connections never completed
// (every SYN or SYN-ACK held at the receiver), and 802.11ax did worse. Returns the time the
// measured transfers' clock starts.
constexpr double kWarmupStart_s = 1.0;

double warm_up(const Scenario& s, NodeContainer& sources, Ptr<Node> destination, Ipv4Address destination_ip) {
  if (!s.wifi && !s.lte) return kWarmupStart_s;
  const uint16_t echo_port = 9;
  UdpEchoServerHelper echo(echo_port);
  echo.Install(destination).Start(Seconds(0));
  for (uint32_t i = 0; i < sources.GetN(); ++i) {
    UdpEchoClientHelper client(destination_ip, echo_port);
    client.SetAttribute("MaxPackets", UintegerValue(3));
    client.SetAttribute("Interval", TimeValue(MilliSeconds(1)));
    client.SetAttribute("PacketSize", UintegerValue(1000));
    ApplicationContainer app = client.Install(sources.Get(i));
    app.Start(Seconds(kWarmupStart_s + 0.005 * i));
    app.Stop(Seconds(kWarmupStart_s + 0.005 * i + 0.5));
  }
  return kWarmupStart_s + 0.005 * sources.GetN() + 0.5;
}

std::string rate(double bps) {
  std::ostringstream s;
  s.precision(17);
  s << bps << "bps";
  return s.str();
}

// One device's connection when transfers share it: opened during the warm-up; each transfer
// queues its bytes behind the previous ones and ends when the destination has received them all.
struct DeviceConnection {
  Ptr<Socket> socket;
  uint64_t pending = 0;   // bytes queued, not yet handed to TCP
  uint64_t queued = 0;    // bytes queued in all
  uint64_t received = 0;  // bytes the destination received
  std::deque<std::pair<Transfer*, uint64_t>> ends;  // a transfer and the byte count it ends at

  void push() {  // hands TCP what its buffer takes
    while (pending > 0) {
      const uint32_t room = socket->GetTxAvailable();
      if (room == 0) return;
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>({pending, room, 65536}));
      if (socket->Send(Create<Packet>(n)) < 0) return;
      pending -= n;
    }
  }
  void start(Transfer* t) {
    pending += static_cast<uint64_t>(t->bytes);
    queued += static_cast<uint64_t>(t->bytes);
    ends.emplace_back(t, queued);
    push();
  }
  void delivered(uint32_t bytes) {
    received += bytes;
    while (!ends.empty() && received >= ends.front().second) {
      ends.front().first->done();
      ends.pop_front();
    }
  }
};

// A TCP sink on `port` of `node` that hands every packet it receives to rx(target, packet).
template <class T>
void sink_to(Ptr<Node> node, uint16_t port, void (*rx)(T*, Ptr<const Packet>, const Address&), T* target) {
  PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
  ApplicationContainer app = sink.Install(node);
  app.Get(0)->TraceConnectWithoutContext("Rx", MakeBoundCallback(rx, target));
  app.Start(Seconds(0));
}

int run(const std::string& scenario_file, const std::string& transfers_file, const std::string& out_file) {
  const Scenario s = read_scenario(scenario_file);
  std::vector<Transfer> transfers = read_transfers(transfers_file, s.devices);

  Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TypeId::LookupByName(s.tcp_variant)));
  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(s.segment_bytes));
  Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(s.initial_cwnd));
  Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(static_cast<uint32_t>(s.buffer_bytes)));
  Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(static_cast<uint32_t>(s.buffer_bytes)));
  Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(s.min_rto_ms)));

  // Sources: one node per phone on WiFi or LTE, or one wired host all transfers leave from.
  const bool radio = s.wifi || s.lte;
  NodeContainer sources;
  sources.Create(radio ? s.devices : 1);
  Ptr<LteHelper> lte;
  Ptr<PointToPointEpcHelper> epc;
  NodeContainer chain;  // chain[0]: access point, PGW or the wired source; chain[k]: after path link k-1
  if (s.wifi) chain.Create(1);
  else if (s.lte) {
    lte = CreateObject<LteHelper>();
    epc = CreateObject<PointToPointEpcHelper>();
    lte->SetEpcHelper(epc);
    chain.Add(epc->GetPgwNode());
  } else chain.Add(sources.Get(0));
  NodeContainer rest;
  rest.Create(s.path.size());
  chain.Add(rest);
  InternetStackHelper stack;
  if (radio) stack.Install(sources);
  stack.Install(s.lte ? rest : chain);  // the EPC helper gave the PGW its stack

  Ipv4AddressHelper addresses;
  if (s.wifi) {
    NetDeviceContainer wifi_devices = install_wifi(s.radio, sources, chain.Get(0));
    addresses.SetBase("10.1.0.0", "255.255.0.0");
    addresses.Assign(wifi_devices);
  } else if (s.lte) {
    install_lte(s, sources, *lte, *epc);
  }
  std::vector<Ipv4InterfaceContainer> links;
  for (std::size_t k = 0; k < s.path.size(); ++k) {
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(rate(s.path[k].bandwidth_bps)));
    p2p.SetChannelAttribute("Delay", TimeValue(Seconds(s.path[k].latency_s)));
    NetDeviceContainer link = p2p.Install(chain.Get(k), chain.Get(k + 1));
    addresses.SetBase(("10.2." + std::to_string(k) + ".0").c_str(), "255.255.255.0");
    links.push_back(addresses.Assign(link));
  }
  if (s.lte) {
    // The EPC's nodes are outside global routing (as in ns-3's lena-simple-epc example): static
    // routes along the chain, towards the destination and back to the UEs' 7.0.0.0/8.
    Ipv4StaticRoutingHelper routing;
    for (std::size_t k = 0; k < chain.GetN(); ++k) {
      Ptr<Ipv4> ip = chain.Get(k)->GetObject<Ipv4>();
      if (k + 1 < chain.GetN())
        routing.GetStaticRouting(ip)->SetDefaultRoute(links[k].GetAddress(1),
                                                      ip->GetInterfaceForAddress(links[k].GetAddress(0)));
      if (k > 0)
        routing.GetStaticRouting(ip)->AddNetworkRouteTo(Ipv4Address("7.0.0.0"), Ipv4Mask("255.0.0.0"),
                                                        links[k - 1].GetAddress(0),
                                                        ip->GetInterfaceForAddress(links[k - 1].GetAddress(1)));
    }
  } else {
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
  }
  const Ipv4InterfaceContainer& last = links.back();
  // After the stations associated (an unassociated station's interface is down and gets no entry).
  Simulator::Schedule(Seconds(kWarmupStart_s - 0.05), [] { NeighborCacheHelper().PopulateNeighborCache(); });

  Ptr<Node> destination = chain.Get(chain.GetN() - 1);
  const Ipv4Address destination_ip = last.GetAddress(1);
  const double t0 = warm_up(s, sources, destination, destination_ip);
  if (transfers.size() > 60000) throw BadInput(transfers_file + ": more than 60000 transfers (one port each)");
  std::size_t unfinished = transfers.size();
  for (auto& t : transfers) {
    t.offset_s = t0;
    t.unfinished = &unfinished;
  }
  std::vector<DeviceConnection> connections(s.connection_per_device ? s.devices : 0);
  if (s.connection_per_device) {
    // One port per device; the connections open after the warm-up's echoes, before t0.
    for (int d = 0; d < s.devices; ++d) {
      const uint16_t port = static_cast<uint16_t>(1024 + d);
      DeviceConnection* c = &connections[static_cast<std::size_t>(d)];
      sink_to(destination, port, +[](DeviceConnection* conn, Ptr<const Packet> p, const Address&) { conn->delivered(p->GetSize()); }, c);
      c->socket = Socket::CreateSocket(sources.Get(radio ? d : 0), TcpSocketFactory::GetTypeId());
      c->socket->SetSendCallback(MakeBoundCallback(+[](DeviceConnection* conn, Ptr<Socket>, uint32_t) { conn->push(); }, c));
      Simulator::Schedule(Seconds(t0 - 0.3), [c, destination_ip, port] {
        c->socket->Connect(InetSocketAddress(destination_ip, port));
      });
    }
    for (auto& t : transfers) {
      Transfer* tp = &t;
      DeviceConnection* c = &connections[static_cast<std::size_t>(t.device)];
      Simulator::Schedule(Seconds(t0 + t.start_s), [c, tp] { c->start(tp); });
    }
  } else {
    // One connection per transfer, each to its own port.
    for (std::size_t i = 0; i < transfers.size(); ++i) {
      const uint16_t port = static_cast<uint16_t>(1024 + i);
      Transfer* t = &transfers[i];
      sink_to(destination, port, +[](Transfer* tr, Ptr<const Packet> p, const Address&) {
        tr->received += p->GetSize();
        if (tr->received >= static_cast<uint64_t>(tr->bytes) && std::isnan(tr->end_s)) tr->done();
      }, t);
      BulkSendHelper send("ns3::TcpSocketFactory", InetSocketAddress(destination_ip, port));
      send.SetAttribute("MaxBytes", UintegerValue(static_cast<uint64_t>(t->bytes)));
      ApplicationContainer send_app = send.Install(sources.Get(radio ? t->device : 0));
      send_app.Start(Seconds(t0 + t->start_s));
    }
  }
  Simulator::Stop(Seconds(t0 + s.stop_s));
  Simulator::Run();
  Simulator::Destroy();

  const std::string tmp = out_file + ".part";
  {
    std::ofstream out(tmp);
    out.precision(17);
    out << "transfer,device,start_s,bytes,end_s,duration_s\n";
    for (const auto& t : transfers)
      out << t.id << ',' << t.device << ',' << t.start_s << ',' << t.bytes << ',' << t.end_s << ',' << (t.end_s - t.start_s) << '\n';
    if (!out) throw std::runtime_error(out_file + ": cannot write");
  }
  if (std::rename(tmp.c_str(), out_file.c_str()) != 0) throw std::runtime_error(out_file + ": cannot write");
  if (unfinished) std::cerr << out_file << ": " << unfinished << " of " << transfers.size() << " transfers unfinished at stop_s\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: ns3_reference SCENARIO.json TRANSFERS.csv OUT.csv\n";
    return 2;
  }
  try {
    return run(argv[1], argv[2], argv[3]);
  } catch (const BadInput& e) {
    std::cerr << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ns3_reference: " << e.what() << '\n';
    return 1;
  }
}
