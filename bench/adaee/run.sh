#!/bin/bash
# AdaEE's buffer simulation, reproduced: tiersim (experiments/adaee.json, 10 seeds per UCB
# setting) beside the port of the repository's simulation.py (port.py, 10 seeds, with its clock
# as written and with --true-clock). Writes bench/adaee/last_run.txt. Run from anywhere.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) tiersim $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "## tiersim (SimGrid engine), experiments/adaee.json"
  "$root/build/tiersim" run "$root/experiments/adaee.json" -o "$out/tiersim" >/dev/null
  /usr/bin/python3 "$root/bench/adaee/compare.py" "$out/tiersim"
  echo
  echo "## port of the repository's simulation.py (its clock: a service may start before its sample arrived)"
  /usr/bin/python3 "$root/bench/adaee/port.py" --trace "$root/traces/cifar10_mobilenet2.csv" | awk 'NR == 1 || /^(mean|std)/'
  echo
  echo "## port with --true-clock (a service starts no earlier than its sample arrived)"
  /usr/bin/python3 "$root/bench/adaee/port.py" --trace "$root/traces/cifar10_mobilenet2.csv" --true-clock | awk 'NR == 1 || /^(mean|std)/'
} | tee "$root/bench/adaee/last_run.txt"
