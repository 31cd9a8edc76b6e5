#!/usr/bin/env bash
# The whole test suite again in an AddressSanitizer + UndefinedBehaviorSanitizer build
# (build-asan/, -DTIERSIM_SANITIZE=ON: any undefined behaviour is fatal, leaks are reported at
# exit). .ci/run runs it after the README's test command; run it locally the same way:
#   bash scripts/test_sanitizers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# -O1, as the sanitizers' documentation advises (reports keep their line numbers).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DTIERSIM_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
