#pragma once
// Minimal, strict CSV reading for traces (no quoted commas in the formats tiersim reads).
// Files may be gzip-compressed (zlib reads plain files unchanged), so committed traces can
// stay small without a decompression step.
#include <zlib.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tiersim {

class CsvReader {
 public:
  explicit CsvReader(const std::string& path);
  // Reads the next non-empty row; false at end of file.
  bool next();
  const std::vector<std::string_view>& fields() const { return fields_; }
  std::size_t line() const { return line_; }
  const std::string& file() const { return path_; }

  std::size_t column(const std::string& name) const;  // throws if the header lacks it
  long optional_column(const std::string& name) const;  // -1 if absent
  const std::vector<std::string>& header() const { return header_; }

  // Field parsers: errors name file, line and column.
  double real(std::size_t col) const;
  long long integer(std::size_t col) const;
  std::string_view text(std::size_t col) const { return fields_.at(col); }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string path_;
  std::unique_ptr<gzFile_s, int (*)(gzFile)> in_;
  bool read_line();  // the next physical line into buffer_, without its newline
  std::string buffer_;
  std::vector<std::string_view> fields_;
  std::vector<std::string> header_;
  std::size_t line_ = 0;
};

}  // namespace tiersim
