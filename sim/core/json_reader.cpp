#include "core/json_reader.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "core/error.hpp"

namespace tiersim {

namespace {

struct TooDeep {};

// nlohmann's parser and destructor are iterative, so only this bound is needed for what tiersim
// does later (dump, hash, walk), which recurses.
const json::parser_callback_t depth_check = [](int depth, json::parse_event_t, json&) {
  if (depth > kMaxJsonDepth) throw TooDeep{};
  return true;
};

InputError too_deep(const std::string& where) {
  return InputError(
      fmt::format("{}: invalid JSON: nested deeper than {} levels (the most tiersim reads)", where, kMaxJsonDepth));
}

json parse_bounded(std::istream& input, const std::string& where) {
  try {
    return json::parse(input, depth_check);
  } catch (const json::parse_error& e) {
    throw InputError(fmt::format("{}: invalid JSON at byte {}: expected a valid JSON document", where, e.byte));
  } catch (const json::out_of_range& e) {  // "number overflow parsing '1e400'"
    const std::string what = e.what();
    throw InputError(fmt::format("{}: invalid JSON: {} (expected numbers within double's range)", where,
                                 what.substr(what.find(']') + 2)));
  } catch (const TooDeep&) {
    throw too_deep(where);
  }
}

}  // namespace

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open file (expected a readable JSON file)", path));
  return parse_bounded(in, path);
}

bool valid_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

std::optional<json> parse_json_text(const std::string& text, const std::string& where) {
  try {
    json value = json::parse(text, depth_check, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return value;
  } catch (const TooDeep&) {
    throw too_deep(where);
  }
}

JsonReader::JsonReader(const json& value, std::string file, std::string path)
    : value_(value), file_(std::move(file)), path_(std::move(path)) {}

JsonReader::JsonReader(const json& value, std::string file, std::string path, char separator)
    : value_(value), file_(std::move(file)), path_(std::move(path)), separator_(separator) {}

std::string JsonReader::child_path(const std::string& key) const { return path_ + separator_ + key; }

std::string JsonReader::where() const { return fmt::format("{}: {}", file_, path_.empty() ? "/" : path_); }

void JsonReader::fail(const std::string& expected) const {
  throw InputError(fmt::format("{}: expected {}", where(), expected));
}

static std::string type_name(const json& v) { return v.type_name(); }

void JsonReader::require_object() const {
  if (!value_.is_object()) fail(fmt::format("an object, got {}", type_name(value_)));
}

bool JsonReader::has(const std::string& key) const {
  read_keys_.insert(key);
  return value_.is_object() && value_.contains(key);
}

JsonReader JsonReader::at(const std::string& key) {
  require_object();
  if (!value_.contains(key)) fail(fmt::format("a key \"{}\"", key));
  read_keys_.insert(key);
  return JsonReader(value_.at(key), file_, child_path(key), separator_);
}

JsonReader JsonReader::optional(const std::string& key) {
  if (value_.is_null()) return JsonReader(json(), file_, child_path(key), separator_);
  require_object();
  read_keys_.insert(key);
  return JsonReader(value_.contains(key) ? value_.at(key) : json(), file_, child_path(key), separator_);
}

JsonReader JsonReader::element(std::size_t index) const {
  return JsonReader(value_.at(index), file_, fmt::format("{}{}{}", path_, separator_, index), separator_);
}

double JsonReader::number() const {
  if (!value_.is_number()) fail(fmt::format("a number, got {}", type_name(value_)));
  double v = value_.get<double>();
  if (!std::isfinite(v)) fail("a finite number");
  return v;
}

double JsonReader::number_in(double lo, double hi) const {
  double v = number();
  if (v < lo || v > hi) fail(fmt::format("a number in [{}, {}], got {}", lo, hi, v));
  return v;
}

long long JsonReader::integer() const {
  if (!value_.is_number_integer()) fail(fmt::format("an integer, got {}", value_.dump()));
  return value_.get<long long>();
}

long long JsonReader::integer_at_least(long long lo) const {
  long long v = integer();
  if (v < lo) fail(fmt::format("an integer >= {}, got {}", lo, v));
  return v;
}

bool JsonReader::boolean() const {
  if (!value_.is_boolean()) fail(fmt::format("true or false, got {}", value_.dump()));
  return value_.get<bool>();
}

std::string JsonReader::string() const {
  if (!value_.is_string()) fail(fmt::format("a string, got {}", type_name(value_)));
  return value_.get<std::string>();
}

std::string JsonReader::string_in(const std::vector<std::string>& allowed) const {
  std::string v = string();
  for (const auto& a : allowed)
    if (a == v) return v;
  fail(fmt::format("one of {}, got \"{}\"", fmt::join(allowed, ", "), v));
}

std::size_t JsonReader::array_size() const {
  if (!value_.is_array()) fail(fmt::format("an array, got {}", type_name(value_)));
  return value_.size();
}

std::vector<std::string> JsonReader::keys() {
  require_object();
  std::vector<std::string> out;
  for (const auto& [k, v] : value_.items()) {
    out.push_back(k);
    read_keys_.insert(k);
  }
  return out;
}

double JsonReader::number_or(const std::string& key, double fallback) {
  auto c = optional(key);
  return c.is_null() ? fallback : c.number();
}
long long JsonReader::integer_or(const std::string& key, long long fallback) {
  auto c = optional(key);
  return c.is_null() ? fallback : c.integer();
}
bool JsonReader::boolean_or(const std::string& key, bool fallback) {
  auto c = optional(key);
  return c.is_null() ? fallback : c.boolean();
}
std::string JsonReader::string_or(const std::string& key, const std::string& fallback) {
  auto c = optional(key);
  return c.is_null() ? fallback : c.string();
}

void JsonReader::reject_unknown_keys() const {
  if (!value_.is_object()) return;
  std::vector<std::string> known(read_keys_.begin(), read_keys_.end());
  for (const auto& [k, v] : value_.items())
    if (!read_keys_.count(k))
      throw InputError(known.empty()
                           ? fmt::format("{}: {}: unknown key (nothing is read here: expected an empty object)", file_,
                                         child_path(k))
                           : fmt::format("{}: {}: unknown key (expected one of: {})", file_, child_path(k),
                                         fmt::join(known, ", ")));
}

}  // namespace tiersim
