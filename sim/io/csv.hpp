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

// Bounds for integers read from CSV files: any int (checked before narrowing from long long),
// and caps on what importers allocate per value (one class name per class up to the largest
// label; exits likewise).
inline constexpr int kIntMin = -2147483647 - 1, kIntMax = 2147483647;
inline constexpr int kMaxClasses = 100000, kMaxExits = 1000;

// A field for a CSV file as RFC 4180 writes it: as it is, or in double quotes (its own quotes
// doubled) when it holds a comma, a quote or a line break. Every CSV tiersim writes goes
// through here, so a class or host name with a comma cannot split a row.
inline std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

// A CSV line: the cells through csv_field, joined by commas, ended by a newline.
inline std::string csv_row(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) line += ',';
    line += csv_field(cells[i]);
  }
  return line + "\n";
}

// Longest line accepted (a file with no newline is refused here rather than read whole).
inline constexpr std::size_t kMaxCsvLineBytes = 1 << 20;

// The lines of a text file, plain or gzip: cut from blocks read with explicit lengths, so a
// NUL byte is seen (and refused, naming file and line) rather than ending a C string early,
// and a line cannot grow past kMaxCsvLineBytes. `kind` names what the file should be in errors
// ("a CSV file").
class LineReader {
 public:
  LineReader(const std::string& path, std::string kind);
  // The next physical line, without its newline (nor a trailing '\r'); false at end of file.
  bool next(std::string& line);
  std::size_t line() const { return line_; }  // 1-based number of the line last returned

 private:
  std::string path_, kind_;
  std::unique_ptr<gzFile_s, int (*)(gzFile)> in_;
  std::string block_;  // bytes read from the file and not yet returned as lines
  std::size_t block_pos_ = 0;
  std::size_t line_ = 0;
};

class CsvReader {
 public:
  explicit CsvReader(const std::string& path);
  // Reads the next non-empty row; false at end of file.
  bool next();
  const std::vector<std::string_view>& fields() const { return fields_; }
  std::size_t line() const { return lines_.line(); }
  const std::string& file() const { return path_; }

  std::size_t column(const std::string& name) const;  // throws if the header lacks it
  long optional_column(const std::string& name) const;  // -1 if absent
  const std::vector<std::string>& header() const { return header_; }

  // Field parsers: errors name file, line and column.
  double real(std::size_t col) const;
  long long integer(std::size_t col) const;
  // An integer of column `col` in [lo, hi], checked before any narrowing; `what` names it in the
  // error ("label 4294967296: expected an integer from 0 to 99999").
  int integer_in(std::size_t col, int lo, int hi, const char* what) const;
  std::string_view text(std::size_t col) const { return fields_.at(col); }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string path_;
  LineReader lines_;
  std::string buffer_;  // the current line; fields_ point into it
  std::vector<std::string_view> fields_;
  std::vector<std::string> header_;
};

}  // namespace tiersim
