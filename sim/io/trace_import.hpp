#pragma once
// Importers from outside trace layouts into the canonical format (traces/FORMAT.md).
#include <map>
#include <string>
#include <vector>

#include "io/trace.hpp"

namespace tiersim {

// Known layouts: "long" (one row per sample and exit: Sample_ID, Exit, Confidence, Prediction,
// Label; e.g. BERT on SST-2) and "wide" (one row per sample: conf_branch_b,
// prediction_branch_b, optional delta_inf_time_branch_b per branch b = 1, 2, ...).
const std::vector<std::string>& import_formats();

// The columns a layout reads, role -> the file's column name by default (for "wide", "{b}"
// stands for the branch number 1, 2, ... and, in "probabilities", "{k}" for the class index
// 0, 1, ...; for "long", "probabilities" is the prefix of columns PREFIX0 .. PREFIX{C-1}).
// Roles marked optional in traces/FORMAT.md are read when the file has them.
const std::map<std::string, std::string>& import_columns(const std::string& format);

struct ImportOptions {
  std::string format;                    // one of import_formats()
  std::vector<std::string> class_names;  // empty: taken from the file (wide) or "class<k>"
  std::string dataset, model, source;
  std::map<std::string, std::string> columns;  // role -> column name, over import_columns(format)
};

Trace import_trace(const std::string& path, const ImportOptions& options);

}  // namespace tiersim
