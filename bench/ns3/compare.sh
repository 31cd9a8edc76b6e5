#!/bin/bash
# Packet-level cross-check of tiersim's network models (issue #14): builds the ns-3 3.37 reference
# (installing Debian's libns3-dev on demand: the quickstart and the tests do not need it), runs it
# on every case of bench/ns3/cases.json (cached in WORK by input hash), replays the same transfers
# through tiersim with each model, and prints per case ns-3's and tiersim's mean and p95 completion
# times, the relative errors and both wall times; the last line is the worst mean error.
#
#   bash bench/ns3/compare.sh [MODELS] [--all]   MODELS: comma-separated, default CM02,LV08,wifi_edge_cloud_ns3
# Environment: WORK (default build/ns3-work), TIERSIM (default build/tiersim).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${WORK:-$root/build/ns3-work}"
models="${1:-CM02,LV08,wifi_edge_cloud_ns3}"
shift || true
if [ ! -e /usr/include/ns3/wifi-module.h ]; then
  echo "installing libns3-dev (ns-3 3.37, Debian) for the reference..." >&2
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get install -y -q libns3-dev >&2
fi
ref="$root/build/ns3_reference"
if [ ! -x "$ref" ] || [ "$here/ns3_reference.cpp" -nt "$ref" ]; then
  echo "building $ref..." >&2
  g++ -O2 -std=c++17 -o "$ref" "$here/ns3_reference.cpp" \
    -lns3-wifi -lns3-point-to-point -lns3-applications -lns3-internet -lns3-mobility -lns3-network -lns3-core
fi
export NS3_REFERENCE="$ref"
/usr/bin/python3 "$here/crosscheck.py" reference "$here/cases.json" --work "$work"
/usr/bin/python3 "$here/crosscheck.py" compare "$here/cases.json" --work "$work" --models "$models" "$@"
