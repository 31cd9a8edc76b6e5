#pragma once
// Policies written in Python: tiersim.register_policy(name, cls) registers a factory that
// builds cls(**params) for a config naming it; the C++ Policy below calls the object's
// at_exit(ctx) (and at_input, observe, prepare when it has them) from either engine.
#include <pybind11/pybind11.h>

namespace tiersim {

// Binds Decision, Context, Outcome and register_policy into the module.
void bind_policies(pybind11::module_& m);

}  // namespace tiersim
