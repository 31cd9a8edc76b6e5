#!/usr/bin/env bash
# A coverage-guided fuzzing campaign over tiersim's parsers (tests/fuzz/README.md).
#   bench/fuzz.sh MINUTES [TARGET...]     default: every target, one after the other, one core
# Builds the libFuzzer harnesses with clang, ASan and UBSan in build-fuzz/, runs each target for
# MINUTES from its committed corpus (tests/fuzz/corpus/TARGET) plus what earlier campaigns
# found (build-fuzz/corpus/TARGET), then merges the inputs that reach new coverage into the
# committed corpus (minimized: libFuzzer's -merge=1 keeps an input only for coverage no smaller
# one has). Prints, per target: executions, executions/s, coverage (edges) and features at the
# end, corpus size, and crashes (artifacts in build-fuzz/crashes/TARGET/). Exit status 1 when a
# target crashed, hung or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:?usage: bench/fuzz.sh MINUTES [TARGET...]}
shift
all=(trace_csv trace_gz import_long import_wide config profile dynamics platform)
targets=("${@:-${all[@]}}")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# clang and its libFuzzer runtime, from Debian (installed here only: the build and tests replay
# the corpus with the plain harnesses and need neither).
packages=(clang-14 libclang-rt-14-dev)
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    break
  fi
done

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DTIERSIM_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

status=0
printf '%-12s %8s %12s %8s %8s %9s %7s %s\n' target minutes executions exec/s edges features corpus outcome
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t log=build-fuzz/logs/$t.log
  mkdir -p "$work" "$crashes" build-fuzz/logs
  outcome=clean
  # -timeout: an input taking 25 s is a hang; -rss_limit_mb: 2 GiB is out of memory.
  if ! ASAN_OPTIONS=detect_leaks=1 build-fuzz/tests/fuzz/fuzz_$t "$work" tests/fuzz/corpus/$t \
        -max_total_time=$((minutes * 60)) -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" >"$log" 2>&1; then
    outcome="FAILED: $(ls "$crashes" | head -3 | tr '\n' ' ')(log: $log)"
    status=1
  fi
  # Inputs that add coverage go into the committed corpus.
  build-fuzz/tests/fuzz/fuzz_$t -merge=1 tests/fuzz/corpus/$t "$work" >>"$log" 2>&1 || true
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  last=$(grep -E '#[0-9]+.*cov: ' "$log" | grep -v MERGE | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo ?)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo ?)
  printf '%-12s %8s %12s %8s %8s %9s %7s %s\n' "$t" "$minutes" "$runs" "$rate" "$cov" "$ft" \
         "$(ls tests/fuzz/corpus/$t | wc -l)" "$outcome"
done
exit $status
