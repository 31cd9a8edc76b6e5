#!/usr/bin/env bash
# Runs the paper-style experiments (experiments/{meanet,hybrid,cartography,load,network,serving,adaptive}.json)
# with `tiersim reproduce`, then copies their PNG figures into docs/figures/ for
# docs/reproduction.md and the README gallery. Builds first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/tiersim ] || { scripts/setup.sh && scripts/build.sh; }
mkdir -p docs/figures
for name in meanet hybrid cartography load network serving adaptive; do
  rm -rf "results/$name/figures" docs/figures/"$name"_*.png  # figures an earlier config listed
  build/tiersim reproduce "$name" -o "results/$name"
  for png in "results/$name"/figures/*.png; do
    cp "$png" "docs/figures/${name}_$(basename "$png")"
  done
done
echo "figures in results/<experiment>/figures/ and docs/figures/"
