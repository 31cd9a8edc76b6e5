#!/usr/bin/env bash
# A sweep on a real SLURM cluster (one node on localhost: scripts/slurm_localhost.sh): the job
# array written by `tiersim slurm`, then its merge job, must give the same per-point summaries
# as a local `-j 2` run. Skipped (exit 77) when not root or SLURM is not installed.
set -euo pipefail
bin=$1 src=$2
if [ "$(id -u)" -ne 0 ] || ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null; then
  echo "skipped: needs root and Debian's slurm-wlm and munge (scripts/setup.sh installs them)"
  exit 77
fi
conf=$("$src/scripts/slurm_localhost.sh")
export SLURM_CONF=$conf
work=$(mktemp -d /tmp/tiersim-slurm-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/sweep.json" <<JSON
{
  "name": "slurm",
  "trace": "$src/traces/sst2_bert12.csv",
  "profile": "$src/traces/sst2_bert12.profile.json",
  "platform": "$src/platforms/wifi_edge_cloud.xml",
  "policy": {"name": "entropy", "params": {"thresholds": 0.2}},
  "workload": {"devices": 10, "requests": 3000, "arrival": {"process": "poisson", "rate_hz": 1}},
  "sweep": {"grid": {"policy.params.thresholds": [0.1, 0.3]}, "seeds": 4}
}
JSON
"$bin" run "$work/sweep.json" -o "$work/local" -j 2 >/dev/null
"$bin" slurm "$work/sweep.json" -o "$work/cluster" --array 3 --cpus 1 --time 00:10:00
submitted=$(bash "$work/cluster/submit.sh")
echo "$submitted"
array=$(echo "$submitted" | awk '{print $3}' | tr -d ,) merge=$(echo "$submitted" | awk '{print $5}')
for _ in $(seq 300); do
  [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && break
  sleep 1
done
if [ -n "$(squeue -h -j "$array,$merge" 2>/dev/null)" ]; then
  echo "FAILED: jobs still queued after 300 s"; squeue; exit 1
fi
cat "$work"/cluster/slurm-merge-*.out
# The cluster ran the copy of the config in cluster/inputs/ (other paths, so other point ids):
# the same set of summaries, wall times aside.
strip() { grep -v '"wall_time_s"' "$1"; }
for side in local cluster; do
  for run in "$work/$side"/runs/*/; do strip "$run/summary.json" | md5sum; done | sort > "$work/$side.sums"
done
points=$(wc -l < "$work/local.sums")
if ! diff "$work/local.sums" "$work/cluster.sums" >/dev/null; then
  echo "FAILED: the cluster's summaries differ from the local run's"; exit 1
fi
rows=$(($(wc -l < "$work/cluster/summary.csv") - 1))
[ "$points" -eq 8 ] && [ "$rows" -eq 8 ] || { echo "FAILED: $points points, $rows rows in the merged summary.csv"; exit 1; }
echo "slurm: 8 points from a 3-task job array and a merge job equal the local -j 2 run"
