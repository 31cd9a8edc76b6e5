// LV08: SimGrid's TCP-calibrated flow model (Velho & Legrand, "Accuracy study and improvement of
// network simulation in the SimGrid framework", SIMUTools 2009): SimGrid 3.32 multiplies link
// latencies by 13.01 and bandwidths by 0.97 (its default network/latency-factor and
// network/bandwidth-factor for LV08).
#include "network/network_model.hpp"

namespace tiersim {
namespace {
const NetworkModels::Registrar kLv08{{"LV08", "SimGrid's TCP calibration: latency x 13.01, bandwidth x 0.97",
                                      {"--cfg=network/model:LV08"}, 13.01, 0.97}};
}  // namespace
}  // namespace tiersim
