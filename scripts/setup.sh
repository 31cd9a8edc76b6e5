#!/usr/bin/env bash
# Installs what tiersim needs to build, test and plot, from Debian's packages only.
# Idempotent: packages already installed are skipped, and apt-get runs only if something is missing.
set -euo pipefail
packages=(cmake g++ make pkg-config
          libsimgrid-dev libeigen3-dev nlohmann-json3-dev catch2 libfmt-dev libcli11-dev zlib1g-dev libmimalloc-dev
          libboost-dev                         # Boost.Math: t and normal quantiles (sim/core/stats.cpp)
          libssl-dev                           # sha256 of the inputs tiersim slurm copies
          slurm-wlm munge                      # the SLURM job-array test (tests/slurm_test.sh)
          python3-matplotlib python3-numpy     # tiersim plot, on Debian's /usr/bin/python3
          python3-scipy                        # plot: Student t quantiles for replicas' intervals
          python3-pytest                       # the Python tests (tests/python, run by ctest)
          pybind11-dev python3-dev python3-pandas)  # the Python module (python/, import tiersim)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
