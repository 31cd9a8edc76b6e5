#!/usr/bin/env bash
# Set-up, build, and the quickstart experiment: the README's first command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# --force: after an edit of quickstart.json, the new results replace the old ones
build/tiersim run experiments/quickstart.json -o results/quickstart --force
