#!/usr/bin/env bash
# Speed and scale of tiersim (README "Speed and scale"). Prints one line per measurement:
# simulated requests per second of the SimGrid engine for 10..10 000 devices (1 M requests in
# total, every request offloaded to the edge, total offered load held at 2 000 requests/s),
# peak memory, and the analytic engine's policy decisions per second. Each figure is the
# median of RUNS runs (default 3). Run from anywhere after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
REQUESTS=${REQUESTS:-1000000}
bin=build/tiersim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# One run: prints "wall_s peak_kb" (wall time of the whole command, incl. platform loading).
timed_run() {
  /usr/bin/time -f "%e %M" -o "$out/time" "$bin" run "$@" -o "$out/r" --force >/dev/null
  cat "$out/time"
}

echo "simgrid engine: all-on-edge, MobileNet/CIFAR-10 trace, WiFi platform, $REQUESTS requests, median of $RUNS"
printf "%8s %12s %14s %12s\n" devices wall_s requests_per_s peak_MiB
for devices in 10 100 1000 10000; do
  rate=$(awk -v d="$devices" 'BEGIN {print 2000 / d}')
  : > "$out/walls"; : > "$out/mems"
  for _ in $(seq "$RUNS"); do
    read -r wall kb < <(timed_run bench/offload_edge.json --set workload.devices="$devices" \
      --set workload.requests="$REQUESTS" --set workload.arrival.rate_hz="$rate")
    echo "$wall" >> "$out/walls"; echo "$kb" >> "$out/mems"
  done
  wall=$(median < "$out/walls"); kb=$(median < "$out/mems")
  printf "%8d %12.2f %14.0f %12.1f\n" "$devices" "$wall" "$(awk -v r="$REQUESTS" -v w="$wall" 'BEGIN {print r / w}')" \
    "$(awk -v k="$kb" 'BEGIN {print k / 1024}')"
done

echo
echo "memory vs requests (100 devices): peak MiB for 100 k and 1 M requests"
for n in 100000 1000000; do
  read -r wall kb < <(timed_run bench/offload_edge.json --set workload.requests="$n" --set workload.arrival.rate_hz=20)
  printf "%10d requests: %8.1f MiB\n" "$n" "$(awk -v k="$kb" 'BEGIN {print k / 1024}')"
done

echo
echo "analytic engine: entropy policy on BERT/SST-2 (12 exits), 100 devices, 10 M requests, median of $RUNS"
: > "$out/rates"
for _ in $(seq "$RUNS"); do
  "$bin" run experiments/quickstart.json -o "$out/a" --force --set simulation.engine='"analytic"' \
    --set workload.devices=100 --set workload.requests=10000000 >/dev/null
  python_free_rate=$(awk -F': ' '/"policy_decisions"/ {d=$2} /"wall_time_s"/ {w=$2} END {gsub(",","",d); print d / w}' \
    "$out/a/runs/quickstart/summary.json")
  echo "$python_free_rate" >> "$out/rates"
done
printf "policy decisions per second (whole run incl. loading the inputs): %.3g\n" "$(median < "$out/rates")"

echo
echo "runner: 1000-point analytic threshold sweep (bench/sweep_analytic.json, 10 000 samples per point), -j 2, median of $RUNS"
: > "$out/walls"
for _ in $(seq "$RUNS"); do
  rm -rf "$out/s"
  /usr/bin/time -f "%e" -o "$out/time" "$bin" run bench/sweep_analytic.json -o "$out/s" -j 2 >/dev/null
  cat "$out/time" >> "$out/walls"
done
printf "wall: %.2f s\n" "$(median < "$out/walls")"

echo
echo "runner: 8 SimGrid points (bench/sweep_simgrid.json), -j 1 vs -j 2, median of $RUNS"
for j in 1 2; do
  : > "$out/walls"
  for _ in $(seq "$RUNS"); do
    rm -rf "$out/s"
    /usr/bin/time -f "%e" -o "$out/time" "$bin" run bench/sweep_simgrid.json -o "$out/s" -j "$j" >/dev/null
    cat "$out/time" >> "$out/walls"
  done
  eval "wall_$j=$(median < "$out/walls")"
  printf -- "-j %d: %.2f s\n" "$j" "$(median < "$out/walls")"
done
printf "parallel efficiency 1 -> 2 workers: %.0f %%\n" "$(awk -v a="$wall_1" -v b="$wall_2" 'BEGIN {print 100 * a / (2 * b)}')"

echo
echo "overload: 100 000 requests queued at one worker (bench/overload.json), median of $RUNS"
: > "$out/walls"; : > "$out/mems"
for _ in $(seq "$RUNS"); do
  read -r wall kb < <(timed_run bench/overload.json)
  echo "$wall" >> "$out/walls"; echo "$kb" >> "$out/mems"
done
printf "wall: %.2f s, peak memory: %.1f MiB\n" "$(median < "$out/walls")" "$(awk -v k="$(median < "$out/mems")" 'BEGIN {print k / 1024}')"
