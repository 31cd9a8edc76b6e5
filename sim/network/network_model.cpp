#include "network/network_model.hpp"

#include <algorithm>

namespace tiersim {

double NetworkModelInfo::transfer_time(const RouteInfo& route, double bytes) const {
  const double latency = route.latency_s * latency_factor;
  if (bytes <= 0) return latency;
  double rate = route.bandwidth_bps * bandwidth_factor;
  // SimGrid bounds a flow by its TCP window: rate <= gamma / (2 * route latency).
  if (route.latency_s > 0) rate = std::min(rate, tcp_gamma / (2.0 * route.latency_s));
  return latency + bytes / rate;
}

}  // namespace tiersim
