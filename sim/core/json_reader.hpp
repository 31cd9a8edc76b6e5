#pragma once
// Strict reading of JSON input: every access knows its JSON path, every value is
// type-checked, and keys nobody read are reported as typos (unknown keys).
#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tiersim {

using nlohmann::json;

// Deepest nesting of arrays and objects accepted: tiersim's own files nest 5 levels; a file of
// a million '[' would otherwise overflow the stack when a config is dumped or hashed.
inline constexpr int kMaxJsonDepth = 64;

// Parses a JSON file; errors name the file (and the parser's byte position).
json read_json_file(const std::string& path);

// Whether text is valid UTF-8 (a JSON string must be: dumping one that is not throws).
bool valid_utf8(const std::string& text);

// JSON text (a --set value, a line of JSON lines) parsed with read_json_file's depth bound:
// nullopt when it is not JSON (a syntax error, a number beyond double's range); InputError
// naming `where` when it nests deeper than kMaxJsonDepth.
std::optional<json> parse_json_text(const std::string& text, const std::string& where);

class JsonReader {
 public:
  JsonReader(const json& value, std::string file, std::string path = "");
  // Keys joined with `separator` instead of '/' in messages: host properties such as
  // radio.promotion_s are read as {"promotion_s": ...} with path "radio" and separator '.'.
  JsonReader(const json& value, std::string file, std::string path, char separator);

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  const json& raw() const { return value_; }
  // Whether the object has the key; the key counts as one this reader knows (in the "expected
  // one of" of unknown keys, and in a policy's parameter list) whether or not it is there.
  bool has(const std::string& key) const;
  // The keys read or asked about so far.
  const std::set<std::string>& read_keys() const { return read_keys_; }

  // Child readers. `at` requires the key; `child` of a missing key is a null reader.
  JsonReader at(const std::string& key);
  JsonReader optional(const std::string& key);
  JsonReader element(std::size_t index) const;
  bool is_null() const { return value_.is_null(); }

  double number() const;
  double number_in(double lo, double hi) const;  // inclusive range check
  long long integer() const;
  long long integer_at_least(long long lo) const;
  bool boolean() const;
  std::string string() const;
  std::string string_in(const std::vector<std::string>& allowed) const;
  std::size_t array_size() const;  // requires an array
  std::vector<std::string> keys();  // requires an object; marks all keys as read

  // Convenience: optional key with default.
  double number_or(const std::string& key, double fallback);
  long long integer_or(const std::string& key, long long fallback);
  bool boolean_or(const std::string& key, bool fallback);
  std::string string_or(const std::string& key, const std::string& fallback);

  // Throws for keys of this object that were never read.
  void reject_unknown_keys() const;

  [[noreturn]] void fail(const std::string& expected) const;
  std::string where() const;  // "file: /json/path"

 private:
  void require_object() const;
  json value_;
  std::string file_;
  std::string path_;
  mutable std::set<std::string> read_keys_;
  char separator_ = '/';
  std::string child_path(const std::string& key) const;
};

}  // namespace tiersim
