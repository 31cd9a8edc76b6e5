#!/bin/bash
# Packet-level cross-check of tiersim's network models (issue #14): builds the ns-3 3.37 reference
# (installing Debian's libns3-dev on demand: the quickstart and the tests do not need it), runs it
# on every case of bench/ns3/cases.json (WiFi platform) and bench/ns3/lte_cases.json (LTE platform)
# and of the variants a cases file declares ("variants": a model name and TCP settings, e.g. one
# connection per device), cached in WORK by input hash, replays the same transfers through tiersim with each model, and
# prints per case ns-3's and tiersim's mean and p95 completion times, the relative errors and both
# wall times; each table ends with the worst mean error.
#
#   bash bench/ns3/compare.sh [--models M1,M2] [--all] [CASES.json...]
# Default models: CM02, LV08 and each cases file's calibrated model; --all: every case, not only
# the reference ones ("report": true). Environment: WORK (default build/ns3-work), TIERSIM (default
# build/tiersim).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${WORK:-$root/build/ns3-work}"
options=()
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --models) options+=(--models "$2"); shift 2 ;;
    --all) options+=(--all); shift ;;
    *) files+=("$1"); shift ;;
  esac
done
[ ${#files[@]} -gt 0 ] || files=("$here/cases.json" "$here/lte_cases.json")
if [ ! -e /usr/include/ns3/lte-module.h ]; then
  echo "installing libns3-dev (ns-3 3.37, Debian) for the reference..." >&2
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get install -y -q libns3-dev >&2
fi
ref="$root/build/ns3_reference"
if [ ! -x "$ref" ] || [ "$here/ns3_reference.cpp" -nt "$ref" ]; then
  echo "building $ref..." >&2
  g++ -O2 -std=c++17 -o "$ref" "$here/ns3_reference.cpp" -lns3-lte -lns3-wifi -lns3-point-to-point \
    -lns3-applications -lns3-internet -lns3-mobility -lns3-network -lns3-core
fi
export NS3_REFERENCE="$ref"
models=()
for ((i = 0; i < ${#options[@]}; i++)); do [ "${options[$i]}" = --models ] && models=(--models "${options[$((i + 1))]}"); done
for cases in "${files[@]}"; do
  # The cases as written, then each of their variants.
  for variant in "" $(/usr/bin/python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("variants", {})))' "$cases"); do
    dir="$work/$(basename "$cases" .json)${variant:+-$variant}"
    select=(${variant:+--variant "$variant"})
    echo "== $(basename "$cases")${variant:+, variant $variant}: $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["platform"])' "$cases")"
    /usr/bin/python3 "$here/crosscheck.py" reference "$cases" --work "$dir" "${select[@]}"
    /usr/bin/python3 "$here/crosscheck.py" compare "$cases" --work "$dir" "${select[@]}" "${options[@]}"
    /usr/bin/python3 "$here/crosscheck.py" figure "$cases" --work "$dir" "${select[@]}" "${models[@]}" --out "$dir/crosscheck.png"
  done
done
