#!/usr/bin/env bash
# Set-up, build, and the whole test suite through ctest: the README's second command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
