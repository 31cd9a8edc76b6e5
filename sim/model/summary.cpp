#include "model/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>

#include "core/error.hpp"

namespace tiersim {

const std::vector<const SummaryField*>& summary_fields() {
  using namespace summary;
  static const std::vector<const SummaryField*> fields{
      &requests, &accuracy, &accuracy_unique, &samples_unique, &accuracy_unique_low, &accuracy_unique_high,
      &exit_mobile, &exit_edge, &exit_cloud, &exit_by_index, &class_requests, &class_accuracy,
      &class_exit_mobile, &class_exit_edge, &class_exit_cloud, &latency_mean, &latency_p50, &latency_p95,
      &latency_p99, &latency_max, &latency_percentiles, &energy_mobile_compute, &energy_mobile_radio,
      &energy_mobile_radio_tail, &energy_mobile_idle, &energy_edge, &energy_cloud, &energy_edge_idle, &energy_cloud_idle,
      &energy_total, &energy_model_radio, &energy_model_compute, &energy_model_server_idle, &energy_model_device_idle,
      &mac_mobile, &mac_edge, &mac_cloud, &fp32_reference, &fp32_reduction, &host_mobile, &host_edge, &host_cloud,
      &host_mobile_idle, &host_edge_idle, &host_cloud_idle, &battery_capacity, &battery_per_1000, &battery_hours,
      &battery_hours_min,
      &network_energy, &cost_units, &offloaded_bytes, &policy_decisions, &simulated_time, &dropped_fraction,
      &dropped_on_device, &lost_fraction, &lost_to_failures, &resent_after_failures, &slo_deadline, &slo_violation,
      &server_tier, &server_workers, &server_requests, &server_utilisation, &server_mean_queue, &server_p95_queue,
      &server_max_queue, &server_dropped, &server_mean_batch, &selection_note, &state, &engine, &network_model,
      &warnings, &policy, &policy_info, &seed, &version, &git_commit, &sweep, &wall_time};
  return fields;
}

const SummaryField& summary_field(std::string_view id) {
  for (const auto* f : summary_fields())
    if (f->id == id) return *f;
  throw std::out_of_range(fmt::format("no summary field \"{}\" (sim/model/summary.hpp)", id));
}

namespace {

std::vector<std::string> tokens(std::string_view pointer) {
  std::vector<std::string> out;
  for (std::size_t at = 1; at <= pointer.size();) {
    const std::size_t slash = std::min(pointer.find('/', at), pointer.size());
    out.emplace_back(pointer.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

// A class name as one JSON pointer token (RFC 6901: "~" -> "~0", "/" -> "~1").
std::string escaped(std::string_view key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::string resolved(std::string_view pointer, std::string_view key) {
  std::string out(pointer);
  if (auto star = out.find('*'); star != std::string::npos) out.replace(star, 1, escaped(key));
  return out;
}

template <class Json>
bool type_matches(const Json& v, SummaryType type) {
  switch (type) {
    case SummaryType::Number: return v.is_number();
    case SummaryType::Integer: return v.is_number_integer();
    case SummaryType::String: return v.is_string();
    case SummaryType::Object: return v.is_object();
    case SummaryType::NumberArray:
      return v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& x) { return x.is_number(); });
    case SummaryType::StringArray:
      return v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& x) { return x.is_string(); });
  }
  return false;
}

const char* type_name(SummaryType type) {
  switch (type) {
    case SummaryType::Number: return "a number";
    case SummaryType::Integer: return "an integer";
    case SummaryType::String: return "a string";
    case SummaryType::Object: return "an object";
    case SummaryType::NumberArray: return "an array of numbers";
    case SummaryType::StringArray: return "an array of strings";
  }
  return "?";
}

// The table as a tree of keys: leaves hold their field, "*" children stand for any key.
struct Node {
  const SummaryField* field = nullptr;
  std::map<std::string, std::unique_ptr<Node>> children;  // in name order; the schema keeps table order below
  std::vector<std::string> order;                         // children in table order
  bool always = false;                                    // some field below is in every summary
};

const Node& tree() {
  static const Node root = [] {
    Node r;
    for (const auto* f : summary_fields()) {
      Node* n = &r;
      for (const auto& t : tokens(f->pointer)) {
        n->always = n->always || f->always;
        auto& child = n->children[t];
        if (!child) {
          child = std::make_unique<Node>();
          n->order.push_back(t);
        }
        n = child.get();
      }
      n->field = f;
      n->always = f->always;
    }
    return r;
  }();
  return root;
}

void check(const nlohmann::json& v, const Node& node, const std::string& at, std::vector<std::string>& problems) {
  if (node.field) {
    if (!type_matches(v, node.field->type))
      problems.push_back(fmt::format("{}: expected {}, got {}", at, type_name(node.field->type), v.dump()));
    return;
  }
  if (!v.is_object()) {
    problems.push_back(fmt::format("{}: expected an object, got {}", at.empty() ? "/" : at, v.dump()));
    return;
  }
  const auto wildcard = node.children.find("*");
  for (const auto& [key, value] : v.items()) {
    auto child = node.children.find(key);
    if (child == node.children.end()) child = wildcard;
    if (child == node.children.end())
      problems.push_back(fmt::format("{}/{}: not a summary field (sim/model/summary.hpp)", at, escaped(key)));
    else
      check(value, *child->second, at + "/" + escaped(key), problems);
  }
  for (const auto& [key, child] : node.children)
    if (key != "*" && child->always && !v.contains(key)) problems.push_back(fmt::format("{}/{}: missing", at, key));
}

nlohmann::ordered_json schema_of(const Node& node) {
  nlohmann::ordered_json s;
  if (const SummaryField* f = node.field) {
    static const std::map<SummaryType, nlohmann::ordered_json> types{
        {SummaryType::Number, {{"type", "number"}}},
        {SummaryType::Integer, {{"type", "integer"}}},
        {SummaryType::String, {{"type", "string"}}},
        {SummaryType::Object, {{"type", "object"}}},
        {SummaryType::NumberArray, {{"type", "array"}, {"items", {{"type", "number"}}}}},
        {SummaryType::StringArray, {{"type", "array"}, {"items", {{"type", "string"}}}}}};
    s = types.at(f->type);
    s["description"] = f->unit.empty() ? std::string(f->description)
                                       : fmt::format("{} [{}]", f->description, f->unit);
    s["x-tiersim-id"] = f->id;
    return s;
  }
  s["type"] = "object";
  std::vector<std::string> required;
  for (const auto& key : node.order) {
    const Node& child = *node.children.at(key);
    if (key == "*") {
      s["additionalProperties"] = schema_of(child);
      continue;
    }
    s["properties"][key] = schema_of(child);
    if (child.always) required.push_back(key);
  }
  if (!required.empty()) s["required"] = required;
  if (!node.children.count("*")) s["additionalProperties"] = false;
  return s;
}

std::size_t rank_of(const SummaryField* field) {
  const auto& fields = summary_fields();
  return static_cast<std::size_t>(std::find(fields.begin(), fields.end(), field) - fields.begin());
}

// Walks a summary beside the table's tree. `node` is the tree node for `v` (nullptr past a
// field or off the table); `field` the field `v` lies under once reached (array elements and an
// Object field's members inherit it); `keys` what a "*", an array index or an Object member
// added to the field's id.
void collect(const nlohmann::ordered_json& v, const Node* node, const SummaryField* field, const std::string& path,
             const std::string& keys, std::size_t max_array, std::vector<SummaryLeaf>& out) {
  if (node && node->field) {
    field = node->field;
    node = nullptr;
  }
  auto join = [](const std::string& a, const std::string& b) { return a.empty() ? b : b.empty() ? a : a + "." + b; };
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      const Node* child = nullptr;
      bool wildcard = false;
      if (node) {
        auto it = node->children.find(key);
        if (it == node->children.end()) {
          it = node->children.find("*");
          wildcard = it != node->children.end();
        }
        if (it != node->children.end()) child = it->second.get();
      }
      const bool adds_key = field || wildcard;  // an exact key of the tree is part of the field's id already
      collect(value, child, field, join(path, key), adds_key ? join(keys, key) : keys, max_array, out);
    }
  } else if (v.is_array() && field && field->type == SummaryType::StringArray) {
    std::string text;  // one cell: "first; second"
    for (const auto& item : v) text += (text.empty() ? "" : "; ") + item.template get<std::string>();
    out.push_back({field, rank_of(field), path, join(std::string(field->id), keys), text});
  } else if (v.is_array()) {
    if (v.size() > max_array) return;
    for (std::size_t i = 0; i < v.size(); ++i)
      collect(v[i], nullptr, field, join(path, std::to_string(i)), join(keys, std::to_string(i)), max_array, out);
  } else {
    const std::string id = field ? join(std::string(field->id), keys) : path;  // off the table: its path
    out.push_back({field, rank_of(field), path, id, v});
  }
}

}  // namespace

std::vector<SummaryLeaf> summary_leaves(const nlohmann::ordered_json& summary, std::size_t max_array) {
  std::vector<SummaryLeaf> leaves;
  for (const auto& [key, value] : summary.items()) {
    if (key == summary::sweep.pointer.substr(1)) continue;
    auto it = tree().children.find(key);
    const Node* child = it == tree().children.end() ? nullptr : it->second.get();
    collect(value, child, nullptr, key, "", max_array, leaves);
  }
  std::stable_sort(leaves.begin(), leaves.end(), [](const SummaryLeaf& a, const SummaryLeaf& b) { return a.rank < b.rank; });
  return leaves;
}

void put(nlohmann::ordered_json& summary, const SummaryField& field, nlohmann::ordered_json value,
         std::string_view key) {
  summary[nlohmann::ordered_json::json_pointer(resolved(field.pointer, key))] = std::move(value);
}

template <class Json>
const Json& get(const Json& summary, const SummaryField& field, const std::string& file) {
  const typename Json::json_pointer pointer{std::string(field.pointer)};
  if (!summary.contains(pointer))
    throw InputError(fmt::format("{}: {}: missing (expected {})", file, field.pointer, type_name(field.type)));
  const auto& v = summary.at(pointer);
  if (!type_matches(v, field.type))
    throw InputError(fmt::format("{}: {}: expected {}, got {}", file, field.pointer, type_name(field.type), v.dump()));
  return v;
}
template const nlohmann::json& get(const nlohmann::json&, const SummaryField&, const std::string&);
template const nlohmann::ordered_json& get(const nlohmann::ordered_json&, const SummaryField&, const std::string&);

std::vector<std::string> check_summary(const nlohmann::json& summary) {
  std::vector<std::string> problems;
  check(summary, tree(), "", problems);
  return problems;
}

nlohmann::ordered_json summary_json_schema() {
  nlohmann::ordered_json s;
  s["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  s["title"] = "tiersim summary.json (one run point)";
  s["description"] =
      "Generated by `tiersim schema` from sim/model/summary.hpp; do not edit by hand. summary.csv flattens the "
      "same keys with dots (latency_s.p95); x-tiersim-id is the stable name compare.csv and plots/plot.py use.";
  const nlohmann::ordered_json root = schema_of(tree());
  for (const auto& [k, v] : root.items()) s[k] = v;
  return s;
}

}  // namespace tiersim
