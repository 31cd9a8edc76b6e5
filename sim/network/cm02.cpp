// CM02: SimGrid's plain max-min flow model (Casanova & Marchal 2002): latency and bandwidth as
// the platform states them, no TCP calibration.
#include "network/network_model.hpp"

namespace tiersim {
namespace {
const NetworkModels::Registrar kCm02{{"CM02", "SimGrid's max-min model with the platform's latencies and bandwidths",
                                      {"--cfg=network/model:CM02"}}};
}  // namespace
}  // namespace tiersim
