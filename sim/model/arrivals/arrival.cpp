#include "model/arrivals/arrival.hpp"

namespace tiersim {

std::unique_ptr<ArrivalProcess> make_arrival_process(JsonReader arrival, const ArrivalContext& context) {
  auto process = arrival.at("process");
  const ArrivalInfo& info = ArrivalProcesses::find(process.string(), process.where(), "arrival process");
  auto made = info.make(arrival, context);
  arrival.reject_unknown_keys();
  return made;
}

}  // namespace tiersim
