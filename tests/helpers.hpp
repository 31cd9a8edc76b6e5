#pragma once
// Test helpers: run the tiersim binary, read its outputs, write scratch files.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace testing {

struct CliResult {
  int status = -1;
  std::string out, err;
};

// Runs `tiersim ARGS` (a shell-quoted argument string) and captures its exit code and streams.
CliResult run_cli(const std::string& args);

std::string source_path(const std::string& relative);  // path inside the source tree
std::string scratch_dir(const std::string& name);      // fresh empty folder for one test
std::string write_file(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);  // a whole file
nlohmann::json read_json(const std::string& path);
std::vector<std::vector<std::string>> read_csv(const std::string& path);  // rows, header first

// Writes a config JSON (object) to dir/name.json and returns its path.
std::string write_config(const std::string& dir, const nlohmann::json& config);

}  // namespace testing
