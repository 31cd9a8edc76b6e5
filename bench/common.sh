# Sourced by the benchmark scripts here (run from the repository root): where the shared
# reference programs and inputs are, the tiersim binary, a scratch folder removed on exit, and
# median() of the numbers on stdin.
shared=$(cd "${SHARED_BENCH:-../shared/bench}" && pwd)
bin=$PWD/build/tiersim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
