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

# The committed corpus stays small: its named inputs (seeds, regress_*) are kept as they are;
# every other input, committed or found by this campaign, competes afresh — libFuzzer's
# -set_cover_merge=1 keeps a near-minimal set (greedy set cover) with the coverage of them all —
# and inputs over 4 KiB are left out (hashed names are libFuzzer's: the SHA-1 of the input).
minimize_corpus() {
  local t=$1 work=$2 log=$3 corpus=tests/fuzz/corpus/$1
  local kept=build-fuzz/merge/$t/kept candidates=build-fuzz/merge/$t/candidates
  rm -rf "build-fuzz/merge/$t" && mkdir -p "$kept" "$candidates"
  find "$corpus" -maxdepth 1 -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' -exec cp {} "$kept/" \;
  find "$work" "$corpus" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -size -5k -exec cp {} "$candidates/" \;
  if build-fuzz/tests/fuzz/fuzz_$t -set_cover_merge=1 "$kept" "$candidates" >>"$log" 2>&1; then
    find "$corpus" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
    find "$kept" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -exec cp {} "$corpus/" \;
  fi
}

status=0
printf '%-12s %8s %12s %8s %8s %9s %7s %s\n' target minutes executions exec/s edges features corpus outcome
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t log=build-fuzz/logs/$t.log
  mkdir -p "$work" "$crashes" build-fuzz/logs
  outcome=clean
  # -timeout: an input taking 25 s is a hang; -rss_limit_mb: 2 GiB is out of memory; inputs of at
  # most 4 KiB (tiersim's own caps are tested with large inputs in tests/test_bad_input.cpp).
  if ! ASAN_OPTIONS=detect_leaks=1 build-fuzz/tests/fuzz/fuzz_$t "$work" tests/fuzz/corpus/$t \
        -max_total_time=$((minutes * 60)) -max_len=4096 -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" >"$log" 2>&1; then
    outcome="FAILED: $(ls "$crashes" | head -3 | tr '\n' ' ')(log: $log)"
    status=1
  fi
  minimize_corpus "$t" "$work" "$log"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  last=$(grep -E '#[0-9]+.*cov: ' "$log" | grep -v MERGE | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo ?)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo ?)
  printf '%-12s %8s %12s %8s %8s %9s %7s %s\n' "$t" "$minutes" "$runs" "$rate" "$cov" "$ft" \
         "$(ls tests/fuzz/corpus/$t | wc -l)" "$outcome"
done
exit $status
