#pragma once
// Importers from outside trace layouts into the canonical format (traces/FORMAT.md).
#include <string>
#include <vector>

#include "io/trace.hpp"

namespace tiersim {

// Known layouts: "long" (Sample_ID, Exit, Confidence, Prediction, Label; e.g. BERT on SST-2)
// and "wide" (one row per sample, conf_branch_b / prediction_branch_b / delta_inf_time_branch_b).
const std::vector<std::string>& import_formats();

struct ImportOptions {
  std::string format;                    // one of import_formats()
  std::vector<std::string> class_names;  // empty: taken from the file (wide) or "class<k>"
  std::string dataset, model, source;
};

Trace import_trace(const std::string& path, const ImportOptions& options);

}  // namespace tiersim
