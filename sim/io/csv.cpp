#include "io/csv.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace tiersim {

static void split(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    std::size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

LineReader::LineReader(const std::string& path, std::string kind)
    : path_(path), kind_(std::move(kind)), in_(gzopen(path.c_str(), "rb"), gzclose) {
  if (!in_) throw InputError(fmt::format("{}: cannot open file (expected {})", path, kind_));
}

bool LineReader::next(std::string& line) {
  line.clear();
  while (true) {
    const std::size_t newline = block_.find('\n', block_pos_);
    const std::size_t end = newline == std::string::npos ? block_.size() : newline;
    line.append(block_, block_pos_, end - block_pos_);
    block_pos_ = newline == std::string::npos ? block_.size() : newline + 1;
    if (line.size() > kMaxCsvLineBytes)
      throw InputError(fmt::format("{}:{}: line longer than {} bytes (expected {}; is this a text file?)", path_,
                                   line_ + 1, kMaxCsvLineBytes, kind_));
    if (newline != std::string::npos) break;
    block_.resize(1 << 16);
    const int n = gzread(in_.get(), block_.data(), static_cast<unsigned>(block_.size()));
    if (n < 0) {
      int code = Z_OK;
      const char* message = gzerror(in_.get(), &code);
      throw InputError(fmt::format("{}:{}: cannot read on ({}; expected {}, plain or gzip)", path_, line_ + 1, message,
                                   kind_));
    }
    block_.resize(static_cast<std::size_t>(n));
    block_pos_ = 0;
    if (n == 0) {
      if (line.empty()) return false;
      break;
    }
  }
  ++line_;
  if (line.find('\0') != std::string::npos)
    throw InputError(fmt::format("{}:{}: a NUL byte (expected {})", path_, line_, kind_));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

CsvReader::CsvReader(const std::string& path) : path_(path), lines_(path, "a text CSV file") {
  if (!next()) throw InputError(fmt::format("{}: empty file (expected a CSV header line)", path));
  for (auto f : fields_) header_.emplace_back(f);
}

int CsvReader::integer_in(std::size_t col, int lo, int hi, const char* what) const {
  const long long v = integer(col);
  if (v < lo || v > hi) fail(fmt::format("{} {}: expected an integer from {} to {}", what, v, lo, hi));
  return static_cast<int>(v);
}

bool CsvReader::next() {
  while (lines_.next(buffer_)) {
    if (buffer_.empty()) continue;
    split(buffer_, fields_);
    if (!header_.empty() && fields_.size() != header_.size())
      fail(fmt::format("expected {} fields as in the header, got {}", header_.size(), fields_.size()));
    return true;
  }
  return false;
}

std::size_t CsvReader::column(const std::string& name) const {
  long c = optional_column(name);
  if (c < 0) {
    // The columns it has, briefly: a wide or hostile header stays one readable line.
    constexpr std::size_t kShown = 12, kWidth = 40;
    std::vector<std::string> shown;
    for (std::size_t i = 0; i < header_.size() && i < kShown; ++i)
      shown.push_back(header_[i].size() > kWidth ? header_[i].substr(0, kWidth) + "..." : header_[i]);
    if (header_.size() > kShown) shown.push_back(fmt::format("... {} more", header_.size() - kShown));
    throw InputError(fmt::format("{}:1: expected a column \"{}\" in the header (has: {})", path_,
                                 name.size() > kWidth ? name.substr(0, kWidth) + "..." : name, fmt::join(shown, ", ")));
  }
  return static_cast<std::size_t>(c);
}

long CsvReader::optional_column(const std::string& name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return static_cast<long>(i);
  return -1;
}

void CsvReader::fail(const std::string& what) const {
  throw InputError(fmt::format("{}:{}: {}", path_, lines_.line(), what));
}

double CsvReader::real(std::size_t col) const {
  std::string_view f = fields_.at(col);
  double v = 0;
  auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (ec != std::errc() || ptr != f.data() + f.size())
    fail(fmt::format("column \"{}\": expected a number, got \"{}\"", header_[col], f));
  return v;
}

long long CsvReader::integer(std::size_t col) const {
  std::string_view f = fields_.at(col);
  long long v = 0;
  auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (ec != std::errc() || ptr != f.data() + f.size())
    fail(fmt::format("column \"{}\": expected an integer, got \"{}\"", header_[col], f));
  return v;
}

}  // namespace tiersim
