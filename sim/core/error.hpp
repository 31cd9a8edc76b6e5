#pragma once
// One exception type for bad input: its message is the single line the user sees,
// always naming the file and the line or JSON path, and what was expected.
#include <stdexcept>
#include <string>

namespace tiersim {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tiersim
