#!/bin/bash
# What the serving layer costs the SimGrid engine on the engine benchmark's workload
# (../shared/bench/matched.json: 1 MFlop on the phone, 100 kB up, 4 edge workers, 10 MFlop on
# the edge, 1 kB back; Poisson arrivals of 200 requests/s in total, as bench/engine_vs_floor.sh): the default (static selection, no batching), least_loaded
# (asked at every send, with every server's load), and batching (up to 8, 1 ms; the edge stage
# given a batched-latency table), at 100 and 10 000 devices, 200 000 requests. With BASE=path to
# another tiersim binary (e.g. one built from the commit before the serving layer) it runs that
# binary's default too, interleaved. Prints the median wall time of RUNS runs (default 5) of
# each and its ratio to the default.
#
#   bash bench/serving_cost.sh                 # from the repository root, after building
#   BASE=/tmp/base/build/tiersim RUNS=7 bash bench/serving_cost.sh
set -euo pipefail
REQUESTS=${REQUESTS:-200000}
RUNS=${RUNS:-5}
source "$(dirname "$0")/common.sh"  # shared, bin, out, median

# The benchmark's inputs with a batched-latency table on the edge stage (a copy: ../shared is read-only).
cp "$shared"/matched.json "$shared"/matched_trace.* "$shared"/platform.xml "$out"/
mkdir "$out/base" && cp "$shared"/matched* "$shared"/platform.xml "$out/base"/  # BASE may predate batch_latency_s
/usr/bin/python3 - "$shared/matched.profile.json" "$out/matched.profile.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
# T4 BERT-Base seq 128 INT8 (NVIDIA/TensorRT demo/BERT/README.md), as in traces/sst2_bert12.t4.profile.json
p["stages"][1]["batch_latency_s"] = {"batch": [1, 2, 4, 8], "seconds": [0.00169, 0.00182, 0.00263, 0.00466]}
json.dump(p, open(sys.argv[2], "w"))
PY


variants=(default least_loaded batching)
[ -n "${BASE:-}" ] && variants=(base "${variants[@]}")

run_once() {  # VARIANT DEVICES: appends the wall time to $out/VARIANT.DEVICES
  local variant=$1 devices=$2 program=$bin config=$out/matched.json rate
  rate=$(awk -v d="$devices" 'BEGIN {print 200 / d}')
  local -a extra=()
  case $variant in
    base) program=$BASE config=$out/base/matched.json ;;
    least_loaded) extra=(--set 'servers.selection={"rule":"least_loaded"}') ;;
    batching) extra=(--set servers.edge.max_batch=8 --set servers.edge.max_wait_s=0.001) ;;
  esac
  /usr/bin/time -f "%e" -o "$out/time" "$program" run "$config" -o "$out/r-$variant" --force \
    --set workload.devices="$devices" --set workload.requests="$REQUESTS" \
    --set "workload.arrival={\"process\":\"poisson\",\"rate_hz\":$rate}" "${extra[@]}" > /dev/null
  cat "$out/time" >> "$out/$variant.$devices"
}

printf "%8s %13s %9s %9s\n" devices variant wall_s vs_default
for devices in 100 10000; do
  for _ in $(seq "$RUNS"); do
    for variant in "${variants[@]}"; do run_once "$variant" "$devices"; done
  done
  reference=$(median < "$out/default.$devices")
  for variant in "${variants[@]}"; do
    wall=$(median < "$out/$variant.$devices")
    printf "%8d %13s %9.2f %9.3f\n" "$devices" "$variant" "$wall" "$(awk -v w="$wall" -v r="$reference" 'BEGIN {print w / r}')"
  done
done
