#include "batch/slurm.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>

#include "batch/results_dir.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "io/trace.hpp"

namespace tiersim {

namespace fs = std::filesystem;

namespace {

// A word for bash: in single quotes, each ' written as '\''.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Paths go into #SBATCH lines (in double quotes) and commands: no control character (a newline
// would start a command of its own) and no double quote.
void check_script_path(const std::string& option, const std::string& path) {
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f || c == '"')
      throw InputError(fmt::format("{}: expected a path without control characters or double quotes, got {}", option,
                                   nlohmann::json(path).dump()));
}

// SLURM's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
// days-hours:minutes, days-hours:minutes:seconds.
void check_time_limit(const std::string& time_limit) {
  static const std::regex format("([0-9]+-)?[0-9]+(:[0-9]+){0,2}");
  if (!std::regex_match(time_limit, format))
    throw InputError(fmt::format("--time: expected a SLURM time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
                                 "D-HH:MM:SS), got {}",
                                 nlohmann::json(time_limit).dump()));
}

// A value passed through to an #SBATCH line: SLURM's names, sizes and feature expressions
// ("gpu&skylake", "16G", "normal") need letters, digits and _ . , : | & ! ( ) [ ] * + - = @;
// nothing a shell or sbatch's own parser would read otherwise (spaces, quotes, $, #, newlines).
void check_sbatch_value(const std::string& option, const std::string& value) {
  static const std::regex allowed(R"([A-Za-z0-9_.,:|&!()\[\]*+=@-]+)");
  if (!std::regex_match(value, allowed))
    throw InputError(fmt::format("{}: expected a SLURM value of letters, digits and _ . , : | & ! ( ) [ ] * + = @ -, "
                                 "got {}",
                                 option, nlohmann::json(value).dump()));
}

// Copies files into DIR/inputs under unique names (the first of a name keeps it; another file
// of the same name becomes 2-NAME, 3-NAME, ...); a trace's sidecar follows it.
class InputCopier {
 public:
  InputCopier(fs::path folder, std::map<std::string, std::string>& hashes) : folder_(std::move(folder)), hashes_(hashes) {}

  // The copy's name in inputs/ ("" when `source` is no regular file).
  std::string copy(const fs::path& source) {
    std::error_code ec;
    if (!fs::is_regular_file(source, ec)) return "";
    const std::string key = fs::weakly_canonical(source).string();
    if (auto it = copied_.find(key); it != copied_.end()) return it->second;
    std::string name = source.filename().string();
    for (int n = 2; taken(name) || taken(sidecar_name(name)); ++n) name = fmt::format("{}-{}", n, source.filename().string());
    put(source, name);
    copied_[key] = name;
    // A trace's sidecar (NAME.json beside NAME.csv or NAME.csv.gz) goes with it.
    const std::string ext = source.extension().string();
    if (ext == ".csv" || ext == ".gz")
      if (const fs::path sidecar = sidecar_path(source.string()); fs::is_regular_file(sidecar, ec))
        put(sidecar, sidecar_name(name));
    return name;
  }

  void put_text(const std::string& name, const std::string& text) {
    write_text_atomically(folder_ / name, text);
    hashes_[name] = sha256_file((folder_ / name).string());
  }

 private:
  static std::string sidecar_name(const std::string& name) { return fs::path(sidecar_path(name)).filename().string(); }
  bool taken(const std::string& name) const { return hashes_.count(name) > 0 || name == "config.json"; }
  void put(const fs::path& source, const std::string& name) {
    std::ifstream in(source, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot be read to copy it into {}", source.string(), folder_.string()));
    put_text(name, std::string(std::istreambuf_iterator<char>(in), {}));
  }

  fs::path folder_;
  std::map<std::string, std::string>& hashes_;
  std::map<std::string, std::string> copied_;  // canonical source -> name in inputs/
};

// Every string of the config that names an existing file (relative to the config's folder, or
// absolute) becomes the name of its copy; names and descriptions are never paths.
void rewrite_paths(nlohmann::json& value, const fs::path& base, InputCopier& copier, const std::string& key = "") {
  if (value.is_object()) {
    for (auto& [k, v] : value.items()) rewrite_paths(v, base, copier, k);
  } else if (value.is_array()) {
    for (auto& v : value) rewrite_paths(v, base, copier, key);
  } else if (value.is_string() && key != "name" && key != "description" && !value.get<std::string>().empty()) {
    const fs::path path = value.get<std::string>();
    if (std::string copy = copier.copy(path.is_absolute() ? path : base / path); !copy.empty()) value = copy;
  }
}

}  // namespace

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot be read", path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw std::runtime_error("OpenSSL: no sha256");
  std::vector<char> block(1 << 16);
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0)
    EVP_DigestUpdate(ctx.get(), block.data(), static_cast<std::size_t>(in.gcount()));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

nlohmann::json copy_inputs(const nlohmann::json& config, const std::string& config_path, const std::string& out_dir,
                           std::map<std::string, std::string>& hashes) {
  InputCopier copier(owned_folder(out_dir, "inputs", "the inputs the job scripts read"), hashes);
  nlohmann::json copied = config;
  rewrite_paths(copied, fs::absolute(config_path).parent_path(), copier);
  copier.put_text("config.json", copied.dump(2) + "\n");
  return copied;
}

std::string write_slurm_scripts(const std::string& binary, const std::string& config_path, const std::string& out_dir,
                                const SlurmOptions& o) {
  if (o.array < 1) throw InputError(fmt::format("--array: expected N >= 1 tasks, got {}", o.array));
  check_time_limit(o.time_limit);
  for (const auto& [option, value] : {std::pair{"--partition", o.partition}, std::pair{"--account", o.account},
                                      std::pair{"--qos", o.qos}, std::pair{"--mem", o.mem},
                                      std::pair{"--constraint", o.constraint}})
    if (!value.empty()) check_sbatch_value(option, value);
  check_script_path("--out", out_dir);
  check_script_path("the tiersim binary", binary);
  const fs::path dir = fs::absolute(out_dir);
  fs::create_directories(dir);
  // A directory holding another config's results is refused, as `run` refuses it.
  std::map<std::string, std::string> hashes;
  const nlohmann::json config = copy_inputs(read_json_file(config_path), config_path, dir.string(), hashes);
  const fs::path marker = dir / "experiment.json";
  if (const auto recorded = read_experiment(dir); recorded && recorded->config != config)
    throw InputError(fmt::format("{}: holds the results of a different config (see {}); use another directory",
                                 dir.string(), marker.string()));
  nlohmann::json experiment = config;
  experiment[kExperimentExtras] = {{"inputs_sha256", hashes}, {"shards", o.array}};
  write_text_atomically(marker, experiment.dump(2) + "\n");

  std::string options;
  for (const auto& [name, value] : {std::pair{"partition", o.partition}, std::pair{"account", o.account},
                                    std::pair{"qos", o.qos}, std::pair{"mem", o.mem},
                                    std::pair{"constraint", o.constraint}})
    if (!value.empty()) options += fmt::format("#SBATCH --{}={}\n", name, value);
  const std::string copied_config = shell_quote((dir / "inputs" / "config.json").string());
  const std::string bin = shell_quote(fs::absolute(binary).string()), out = shell_quote(dir.string());
  const std::string array_script = fmt::format(
      "#!/bin/bash\n"
      "# tiersim job array: task i runs shard i of {0} of the config copied into inputs/; written by `tiersim slurm`.\n"
      "#SBATCH --job-name=tiersim\n#SBATCH --array=0-{1}\n#SBATCH --cpus-per-task={2}\n#SBATCH --time={3}\n{4}"
      "#SBATCH --output=\"{5}/slurm-%A_%a.out\"\n"
      "exec {6} run {7} -o {8} -j {2} --resume --shard \"$SLURM_ARRAY_TASK_ID/{0}\"\n",
      o.array, o.array - 1, o.cpus, o.time_limit, options, dir.string(), bin, copied_config, out);
  const std::string merge_script = fmt::format(
      "#!/bin/bash\n# tiersim merge after the job array; written by `tiersim slurm`.\n"
      "#SBATCH --job-name=tiersim-merge\n#SBATCH --cpus-per-task=1\n#SBATCH --time=00:10:00\n{0}"
      "#SBATCH --output=\"{1}/slurm-merge-%j.out\"\n"
      "exec {2} merge {3}\n",
      options, dir.string(), bin, out);
  const std::string submit = fmt::format(
      "#!/bin/bash\n# Submits the job array, then the merge once every task has ended.\nset -euo pipefail\n"
      "array=$(sbatch --parsable {0})\n"
      "merge=$(sbatch --parsable --dependency=afterany:${{array%%;*}} {1})\n"
      "echo \"job array $array, merge $merge\"\n",
      shell_quote((dir / "tiersim.sbatch").string()), shell_quote((dir / "merge.sbatch").string()));
  for (const auto& [name, text] : {std::pair{"tiersim.sbatch", array_script}, std::pair{"merge.sbatch", merge_script},
                                   std::pair{"submit.sh", submit}}) {
    write_text_atomically(dir / name, text);
    fs::permissions(dir / name, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
  }
  return (dir / "submit.sh").string();
}

}  // namespace tiersim
