#!/usr/bin/env bash
# tiersim's SimGrid engine against the best hand-written SimGrid 3.32 program for the same
# workload (../shared/bench/best_s4u.cpp) and the plain one (naive_s4u.cpp), built here from
# there at benchmark time (never copied into the project). Workload (../shared/bench/README.md):
# each request runs 1 MFlop on its phone, sends 100 kB to the edge, waits for one of its 4
# workers, runs 10 MFlop there and gets a 1 kB reply; Poisson arrivals, 200 requests/s in total,
# at 100 and 10 000 devices. Runs are interleaved (tiersim, best_s4u, best_s4u with mimalloc
# preloaded, naive, tiersim, ...): tiersim links mimalloc, and the preloaded row shows how much of
# the ratio is the allocator. Each figure is the median of RUNS (default 3) of the whole
# process's wall time and peak memory.
# With CALLGRIND=1 it also counts instructions (valgrind) of 20 000 requests at 100 and 10 000 devices,
# which a noisy machine does not disturb.
#   bash bench/engine_vs_floor.sh            # after scripts/build.sh
#   RUNS=5 REQUESTS=400000 NAIVE=0 bash bench/engine_vs_floor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
REQUESTS=${REQUESTS:-200000}
NAIVE=${NAIVE:-1}
CALLGRIND=${CALLGRIND:-0}
source "$(dirname "$0")/common.sh"  # shared, bin, out, median

for program in best_s4u naive_s4u; do
  g++ -O2 -std=c++17 "$shared/$program.cpp" -o "$out/$program" $(pkg-config --cflags --libs simgrid)
done


# One run of PROGRAM at DEVICES: appends "wall_s peak_kb" to $out/PROGRAM.DEVICES.
run_once() {
  local program=$1 devices=$2 per_device=$((REQUESTS / $2)) rate
  rate=$(awk -v d="$devices" 'BEGIN {print 200 / d}')
  case $program in
    tiersim)
      /usr/bin/time -f "%e %M" -o "$out/time" "$bin" run "$shared/matched.json" -o "$out/r" --force \
        --set workload.devices="$devices" --set workload.requests="$REQUESTS" \
        --set "workload.arrival={\"process\":\"poisson\",\"rate_hz\":$rate}" > /dev/null ;;
    best_mimalloc)  # best_s4u with tiersim's allocator (mimalloc, preloaded): the allocator's share apart
      LD_PRELOAD=$mimalloc /usr/bin/time -f "%e %M" -o "$out/time" "$out/best_s4u" "$shared/platform.xml" "$devices" \
        "$per_device" "p$rate" > /dev/null ;;
    *)
      /usr/bin/time -f "%e %M" -o "$out/time" "$out/$program" "$shared/platform.xml" "$devices" "$per_device" \
        "p$rate" > /dev/null ;;
  esac
  cat "$out/time" >> "$out/$program.$devices"
}

mimalloc=$(ls /usr/lib/*/libmimalloc.so.2 | head -1)
programs=(tiersim best_s4u best_mimalloc)
[ "$NAIVE" = 1 ] && programs+=(naive_s4u)
echo "engine vs floor: Poisson, 200 requests/s in total, $REQUESTS requests, median of $RUNS interleaved runs"
echo "(wall time and peak memory of the whole process: start-up, platform, simulation, exit)"
printf "%8s %10s %9s %14s %9s\n" devices program wall_s requests_per_s peak_MiB
for devices in 100 10000; do
  for _ in $(seq "$RUNS"); do
    for program in "${programs[@]}"; do run_once "$program" "$devices"; done
  done
  for program in "${programs[@]}"; do
    wall=$(cut -d' ' -f1 "$out/$program.$devices" | median)
    kb=$(cut -d' ' -f2 "$out/$program.$devices" | median)
    eval "wall_${program}_$devices=$wall kb_${program}_$devices=$kb"
    printf "%8d %10s %9.2f %14.0f %9.1f\n" "$devices" "$program" "$wall" \
      "$(awk -v r="$REQUESTS" -v w="$wall" 'BEGIN {print r / w}')" "$(awk -v k="$kb" 'BEGIN {print k / 1024}')"
  done
done
echo
for devices in 100 10000; do
  eval "tw=\$wall_tiersim_$devices bw=\$wall_best_s4u_$devices tk=\$kb_tiersim_$devices bk=\$kb_best_s4u_$devices"
  printf "%5d devices: tiersim / best_s4u requests/s %.2fx (target >= 1.5), peak memory %.2fx (target <= 1.2)\n" \
    "$devices" "$(awk -v t="$tw" -v b="$bw" 'BEGIN {print b / t}')" "$(awk -v t="$tk" -v b="$bk" 'BEGIN {print t / b}')"
  eval "mw=\$wall_best_mimalloc_$devices"
  printf "%5d devices: tiersim / best_s4u with mimalloc preloaded %.2fx\n" "$devices" \
    "$(awk -v t="$tw" -v b="$mw" 'BEGIN {print b / t}')"
done

# Same system, closed loop, 10 devices x 2 000 requests. Identical devices with no think time
# stay synchronised, so transfers keep ending at the same instants and the order in which
# simultaneous completions reach the edge queue decides the schedule: tiersim takes them in
# start order (network/optim:Full), best_s4u in SimGrid's lazy heap order; the end times differ
# by that tie order alone (the first round's latencies are the same set, permuted).
"$out/best_s4u" "$shared/platform.xml" 10 2000 0 > "$out/closed"
"$bin" run "$shared/matched.json" -o "$out/c" --force --set workload.devices=10 --set workload.requests=20000 > /dev/null
printf "\nclosed loop, 10 devices x 2 000 requests: simulated end best_s4u %s s, tiersim %s s\n" \
  "$(sed 's/.*simulated_s=\([0-9.]*\).*/\1/' "$out/closed")" \
  "$(awk -F': ' '/"simulated_time_s"/ {gsub(",", "", $2); printf "%.6f", $2}' "$out/c/runs/matched-s4u/summary.json")"

if [ "$CALLGRIND" = 1 ]; then
  count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected/ {print $NF}'; }
  # Per request = (N = 20 000 - N = one per device) / the difference; start-up = the rest.
  for devices in 100 10000; do
    rate=$(awk -v d="$devices" 'BEGIN {print 200 / d}')
    for n in "$devices" 20000; do
      t=$(count "$bin" run "$shared/matched.json" -o "$out/g" --force --set workload.devices="$devices" \
        --set workload.requests="$n" --set "workload.arrival={\"process\":\"poisson\",\"rate_hz\":$rate}")
      b=$(count "$out/best_s4u" "$shared/platform.xml" "$devices" $((n / devices)) "p$rate")
      eval "t$n=$t b$n=$b"
    done
    echo
    echo "instructions (valgrind --tool=callgrind), $devices devices, Poisson 200/s in total"
    awk -v d="$devices" -v t0="$(eval echo \$t$devices)" -v t1="$t20000" -v b0="$(eval echo \$b$devices)" \
        -v b1="$b20000" 'BEGIN {
      n = 20000 - d; pt = (t1 - t0) / n; pb = (b1 - b0) / n
      printf "tiersim:  %.0f M at start-up, %.1f k per request\n", (t0 - d * pt) / 1e6, pt / 1e3
      printf "best_s4u: %.0f M at start-up, %.1f k per request\n", (b0 - d * pb) / 1e6, pb / 1e3
      printf "best_s4u / tiersim instructions for 20 000 requests: %.2fx\n", b1 / t1 }'
  done
fi
