#pragma once
// The keys of summary.json, defined once. Metrics and the run write every key through this
// table; compare, calibrate, the command line's one-line summary and plots/plot.py (through
// experiments/summary.schema.json, generated from this table by `tiersim schema`) read them
// through it. A new metric is one line here, its name in summary_fields() (summary.cpp; a field
// Metrics writes but the list lacks is reported by check_summary, which the tests run on real
// summaries) and the line in Metrics that sets it; a test checks the committed schema too.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tiersim {

enum class SummaryType { Number, Integer, String, NumberArray, StringArray, Object };

struct SummaryField {
  std::string_view id;       // stable short name: compare.csv's column, plot.py's handle
  std::string_view pointer;  // JSON pointer into summary.json; "*" stands for any key (a class name)
  SummaryType type;
  std::string_view unit;     // "" when dimensionless or not a quantity
  bool always;               // in every summary (else only when the run has it, e.g. cost units)
  std::string_view description;
};

namespace summary {
using enum SummaryType;
// clang-format off
inline constexpr SummaryField requests{"requests", "/requests", Integer, "", true, "requests simulated"};
inline constexpr SummaryField accuracy{"accuracy", "/accuracy", Number, "fraction", true, "share of requests answered with the true class (over requests; samples are reused round-robin)"};
inline constexpr SummaryField accuracy_unique{"accuracy_unique", "/accuracy_unique", Number, "fraction", true, "share of the distinct samples served answered with their true class, each sample counted once with its first request (a lost request counts wrong)"};
inline constexpr SummaryField samples_unique{"samples_unique", "/samples_unique", Integer, "", true, "distinct samples served (the n of accuracy_unique)"};
inline constexpr SummaryField accuracy_unique_low{"accuracy_unique_ci95_low", "/accuracy_unique_ci95/low", Number, "fraction", true, "Wilson 95 % interval of accuracy_unique, lower end"};
inline constexpr SummaryField accuracy_unique_high{"accuracy_unique_ci95_high", "/accuracy_unique_ci95/high", Number, "fraction", true, "Wilson 95 % interval of accuracy_unique, upper end"};
inline constexpr SummaryField exit_mobile{"exit_mobile", "/exit_fraction/mobile", Number, "fraction", true, "share of requests that ended at an exit computed on the device"};
inline constexpr SummaryField exit_edge{"exit_edge", "/exit_fraction/edge", Number, "fraction", true, "share of requests that ended at an exit computed on an edge server"};
inline constexpr SummaryField exit_cloud{"exit_cloud", "/exit_fraction/cloud", Number, "fraction", true, "share of requests that ended at an exit computed in the cloud"};
inline constexpr SummaryField exit_by_index{"exit_fraction_by_exit", "/exit_fraction_by_exit", NumberArray, "fraction", true, "share of requests per exit index, first exit first"};
inline constexpr SummaryField class_requests{"class_requests", "/by_class/*/requests", Integer, "", true, "requests whose sample has this true class"};
inline constexpr SummaryField class_accuracy{"class_accuracy", "/by_class/*/accuracy", Number, "fraction", true, "accuracy on requests of this true class"};
inline constexpr SummaryField class_exit_mobile{"class_exit_mobile", "/by_class/*/exit_fraction/mobile", Number, "fraction", true, "share of this class's requests ending on the device"};
inline constexpr SummaryField class_exit_edge{"class_exit_edge", "/by_class/*/exit_fraction/edge", Number, "fraction", true, "share of this class's requests ending on an edge server"};
inline constexpr SummaryField class_exit_cloud{"class_exit_cloud", "/by_class/*/exit_fraction/cloud", Number, "fraction", true, "share of this class's requests ending in the cloud"};
inline constexpr SummaryField latency_mean{"latency_mean_s", "/latency_s/mean", Number, "s", true, "mean end-to-end latency (arrival to answer on the device)"};
inline constexpr SummaryField latency_p50{"latency_p50_s", "/latency_s/p50", Number, "s", true, "median latency (log histogram, 0.05 % buckets)"};
inline constexpr SummaryField latency_p95{"latency_p95_s", "/latency_s/p95", Number, "s", true, "95th percentile latency"};
inline constexpr SummaryField latency_p99{"latency_p99_s", "/latency_s/p99", Number, "s", true, "99th percentile latency"};
inline constexpr SummaryField latency_max{"latency_max_s", "/latency_s/max", Number, "s", true, "largest latency"};
inline constexpr SummaryField latency_percentiles{"latency_percentiles_s", "/latency_s/percentiles", NumberArray, "s", true, "101 values: minimum, percentiles 1..99, maximum"};
inline constexpr SummaryField energy_mobile_compute{"energy_mobile_compute_j", "/energy_j_per_inference/mobile_compute", Number, "J", true, "device compute energy per inference (energy_model.compute: MACs x pJ/MAC at the stage's bits, or host power above idle)"};
inline constexpr SummaryField energy_mobile_radio{"energy_mobile_radio_j", "/energy_j_per_inference/mobile_radio", Number, "J", true, "device radio energy per inference: promotions and transfers (energy_model.radio)"};
inline constexpr SummaryField energy_mobile_radio_tail{"energy_mobile_radio_tail_j", "/energy_j_per_inference/mobile_radio_tail", Number, "J", true, "device radio tail energy per inference (high-power states after the last transfer; 0 for the constant model)"};
inline constexpr SummaryField energy_mobile_idle{"energy_mobile_idle_j", "/energy_j_per_inference/mobile_idle", Number, "J", true, "devices' idle power (host and radio) over the run per inference (0 unless energy.device_idle is shared)"};
inline constexpr SummaryField energy_edge{"energy_edge_j", "/energy_j_per_inference/edge", Number, "J", true, "edge compute energy per inference (energy_model.compute)"};
inline constexpr SummaryField energy_cloud{"energy_cloud_j", "/energy_j_per_inference/cloud", Number, "J", true, "cloud compute energy per inference (energy_model.compute)"};
inline constexpr SummaryField energy_edge_idle{"energy_edge_idle_j", "/energy_j_per_inference/edge_idle", Number, "J", true, "edge servers' idle power over the run per inference (0 unless energy_model.server_idle is shared)"};
inline constexpr SummaryField energy_cloud_idle{"energy_cloud_idle_j", "/energy_j_per_inference/cloud_idle", Number, "J", true, "cloud servers' idle power over the run per inference (0 unless energy_model.server_idle is shared)"};
inline constexpr SummaryField energy_total{"energy_j_per_inference", "/energy_j_per_inference/total", Number, "J", true, "the parts above, summed: the headline energy"};
inline constexpr SummaryField energy_model_radio{"energy_model_radio", "/energy_model/radio", String, "", true, "the devices' radio model(s) (constant, lte_rrc, wifi_psm; '+' joins several)"};
inline constexpr SummaryField energy_model_compute{"energy_model_compute", "/energy_model/compute", String, "", true, "where the headline's compute energy comes from: macs or host_power"};
inline constexpr SummaryField energy_model_server_idle{"energy_model_server_idle", "/energy_model/server_idle", String, "", true, "servers' idle power in the headline: shared (over the run's inferences) or excluded"};
inline constexpr SummaryField energy_model_device_idle{"energy_model_device_idle", "/energy_model/device_idle", String, "", true, "devices' idle power in the headline: shared or excluded"};
inline constexpr SummaryField mac_mobile{"mac_energy_mobile_j", "/mac_energy_j_per_inference/mobile", Number, "J", true, "device compute energy per inference by MACs x pJ/MAC (45 nm table), whatever the headline uses"};
inline constexpr SummaryField mac_edge{"mac_energy_edge_j", "/mac_energy_j_per_inference/edge", Number, "J", true, "edge compute energy per inference by MACs"};
inline constexpr SummaryField mac_cloud{"mac_energy_cloud_j", "/mac_energy_j_per_inference/cloud", Number, "J", true, "cloud compute energy per inference by MACs"};
inline constexpr SummaryField fp32_reference{"compute_energy_fp32_reference_j", "/compute_energy_fp32_reference_j", Number, "J", true, "compute energy of the whole network at 32 bits (MACs)"};
inline constexpr SummaryField fp32_reduction{"compute_energy_reduction_vs_fp32", "/compute_energy_reduction_vs_fp32", Number, "x", true, "fp32 reference / MAC compute energy per inference"};
inline constexpr SummaryField host_mobile{"host_energy_mobile_j", "/host_energy_j_per_inference/mobile", Number, "J", true, "device host energy above idle per inference (platform power states), whatever the headline uses"};
inline constexpr SummaryField host_edge{"host_energy_edge_j", "/host_energy_j_per_inference/edge", Number, "J", true, "edge host energy above idle per inference"};
inline constexpr SummaryField host_cloud{"host_energy_cloud_j", "/host_energy_j_per_inference/cloud", Number, "J", true, "cloud host energy above idle per inference"};
inline constexpr SummaryField host_mobile_idle{"host_energy_mobile_idle_j", "/host_energy_j_per_inference/mobile_idle", Number, "J", true, "devices' host idle power over the run per inference"};
inline constexpr SummaryField host_edge_idle{"host_energy_edge_idle_j", "/host_energy_j_per_inference/edge_idle", Number, "J", true, "edge servers' idle power over the run per inference"};
inline constexpr SummaryField host_cloud_idle{"host_energy_cloud_idle_j", "/host_energy_j_per_inference/cloud_idle", Number, "J", true, "cloud servers' idle power over the run per inference"};
inline constexpr SummaryField battery_capacity{"battery_capacity_j", "/battery/capacity_j", Number, "J", false, "mean battery of the devices (platforms or configs with batteries)"};
inline constexpr SummaryField battery_per_1000{"battery_drained_per_1000", "/battery/drained_per_1000_inferences", Number, "fraction", false, "share of a device's battery 1 000 of its inferences drain (device energy of the headline), mean over devices"};
inline constexpr SummaryField battery_hours{"battery_hours_to_empty", "/battery/hours_to_empty", Number, "h", false, "hours a device's battery lasts at the run's request rate, mean over devices (-1: never drained)"};
inline constexpr SummaryField battery_hours_min{"battery_hours_to_empty_min", "/battery/hours_to_empty_min", Number, "h", false, "the same for the device whose battery empties first"};
inline constexpr SummaryField network_energy{"network_energy_j_per_inference", "/network_energy_j_per_inference", Number, "J", false, "link energy per inference (SimGrid engine, links with wattage_range)"};
inline constexpr SummaryField cost_units{"cost_units_per_inference", "/cost_units_per_inference", Number, "units", false, "lambda x layers + o x offloads per inference (configs with a cost section)"};
inline constexpr SummaryField offloaded_bytes{"offloaded_bytes", "/offloaded_bytes", Number, "B", true, "bytes sent to a higher tier per inference (all hops)"};
inline constexpr SummaryField policy_decisions{"policy_decisions", "/policy_decisions", Integer, "", true, "times the policy was asked, all requests together"};
inline constexpr SummaryField simulated_time{"simulated_time_s", "/simulated_time_s", Number, "s", true, "simulated instant the last request finished"};
inline constexpr SummaryField dropped_fraction{"dropped_fraction", "/dropped_fraction", Number, "fraction", true, "share of requests a server dropped (full queue, or past the deadline at dequeue with drop_expired)"};
inline constexpr SummaryField dropped_on_device{"dropped_answered_on_device_fraction", "/dropped_answered_on_device_fraction", Number, "fraction", true, "share of requests dropped but answered by the deepest exit already computed on the device"};
inline constexpr SummaryField lost_fraction{"lost_fraction", "/lost_fraction", Number, "fraction", true, "share of requests never answered (dropped with no exit on the device, or lost to a failure); counted wrong, left out of the latencies"};
inline constexpr SummaryField lost_to_failures{"lost_to_failures", "/lost_to_failures", Integer, "", false, "requests lost because their server failed (configs with failures)"};
inline constexpr SummaryField resent_after_failures{"resent_after_failures", "/resent_after_failures", Integer, "", false, "times a request was sent again because its server failed (on_failure: resend)"};
inline constexpr SummaryField slo_deadline{"slo_deadline_s", "/slo/deadline_s", Number, "s", false, "workload.deadline_s (configs with a deadline)"};
inline constexpr SummaryField slo_violation{"slo_violation_fraction", "/slo/violation_fraction", Number, "fraction", false, "share of requests not answered within the deadline (lost ones included)"};
inline constexpr SummaryField server_tier{"server_tier", "/servers/*/tier", String, "", true, "the server's tier (edge or cloud)"};
inline constexpr SummaryField server_workers{"server_workers", "/servers/*/workers", Integer, "", true, "requests (or batches) the server serves at once"};
inline constexpr SummaryField server_requests{"server_requests", "/servers/*/requests", Integer, "", true, "requests that reached the server and were not dropped on arrival (a request sent again after a failure counts again)"};
inline constexpr SummaryField server_utilisation{"server_utilisation", "/servers/*/utilisation", Number, "fraction", true, "busy worker-time / (workers x simulated time)"};
inline constexpr SummaryField server_mean_queue{"server_mean_queue_s", "/servers/*/mean_queue_s", Number, "s", true, "mean wait for a worker there (per pass: a batching server takes a request once per stage)"};
inline constexpr SummaryField server_p95_queue{"server_p95_queue_s", "/servers/*/p95_queue_s", Number, "s", true, "95th percentile of that wait"};
inline constexpr SummaryField server_max_queue{"server_max_queue_length", "/servers/*/max_queue_length", Integer, "", true, "most requests waiting there at once"};
inline constexpr SummaryField server_dropped{"server_dropped", "/servers/*/dropped", Integer, "", true, "requests the server dropped (full queue, expired at dequeue)"};
inline constexpr SummaryField server_mean_batch{"server_mean_batch", "/servers/*/mean_batch", Number, "", true, "requests per service (batch size; 1 without batching)"};
inline constexpr SummaryField selection_note{"selection_note", "/selection_note", String, "", false, "how the engine applied the selection rule when it could not as configured (analytic engine: no load)"};
inline constexpr SummaryField state{"state", "/state", String, "", false, "how the policy saw the system's state (policies that read it): simulated (queues at each decision's instant) or zero-load (analytic engine: no queues, no backlog)"};
inline constexpr SummaryField warnings{"warnings", "/warnings", StringArray, "", false, "implausible values the run went on with (a link below 1 kB/s, a 10^12-MAC stage, a policy that can never exit early on this trace), one line each"};
inline constexpr SummaryField engine{"engine", "/engine", String, "", true, "engine that ran the point"};
inline constexpr SummaryField network_model{"network_model", "/network_model", String, "", true, "network model the point ran with"};
inline constexpr SummaryField policy{"policy", "/policy", String, "", true, "policy name"};
inline constexpr SummaryField policy_info{"policy_info", "/policy_info", Object, "", false, "what the policy reports about itself (e.g. DIMEC-DC's pool sizes)"};
inline constexpr SummaryField seed{"seed", "/seed", Integer, "", true, "simulation.seed"};
inline constexpr SummaryField version{"tiersim_version", "/tiersim_version", String, "", true, "tiersim version"};
inline constexpr SummaryField git_commit{"git_commit", "/git_commit", String, "", false, "commit tiersim was built from (git checkouts only)"};
inline constexpr SummaryField sweep{"sweep", "/sweep", Object, "", false, "swept config path -> value of this point (sweeps only)"};
inline constexpr SummaryField wall_time{"wall_time_s", "/wall_time_s", Number, "s", true, "wall-clock time of the point (loading and writing included)"};
// clang-format on
}  // namespace summary

// Every field, in the order summary.json has them.
const std::vector<const SummaryField*>& summary_fields();
const SummaryField& summary_field(std::string_view id);  // throws std::out_of_range naming the id

// Sets a field; `key` replaces the pointer's "*" (a class name).
void put(nlohmann::ordered_json& summary, const SummaryField& field, nlohmann::ordered_json value,
         std::string_view key = {});
// Reads a field of a summary (json or ordered_json); a missing one or one of another type
// throws InputError naming `file` and the pointer.
template <class Json>
const Json& get(const Json& summary, const SummaryField& field, const std::string& file);
template <class Json>
double get_number(const Json& summary, const SummaryField& field, const std::string& file) {
  return get(summary, field, file).template get<double>();
}
template <class Json>
bool has(const Json& summary, const SummaryField& field) {
  return summary.contains(typename Json::json_pointer(std::string(field.pointer)));
}

// What is wrong with a summary against the table: keys it lacks, keys the table does not
// define, values of the wrong type (empty: none).
std::vector<std::string> check_summary(const nlohmann::json& summary);

// A summary's scalar values in the table's order (a field's classes or servers in the order the
// summary has them): what summary.csv, metrics.csv and compare.csv are made of.
struct SummaryLeaf {
  const SummaryField* field;  // nullptr for a key the table does not define (kept, last)
  std::size_t rank;           // the field's position in summary_fields() (table size when unknown)
  std::string path;           // dotted path (summary.csv's column): "latency_s.p95", "by_class.cat.accuracy"
  std::string id;             // stable id: "latency_p95_s", "class_accuracy.cat", "exit_fraction_by_exit.0"
  nlohmann::ordered_json value;
};
// Arrays longer than `max_array` (the latency percentiles) are left out, as is "sweep" (the
// swept values are config values: results tables take them from config.json).
std::vector<SummaryLeaf> summary_leaves(const nlohmann::ordered_json& summary, std::size_t max_array = 16);

// experiments/summary.schema.json: a JSON Schema (2020-12) of summary.json built from the table.
nlohmann::ordered_json summary_json_schema();

}  // namespace tiersim
