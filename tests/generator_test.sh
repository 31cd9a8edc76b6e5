#!/usr/bin/env bash
# traces/generate/generate.py refuses bad input before it imports PyTorch or writes anything:
# committed traces are not replaced without --force, and missing dataset files name the Debian
# package that provides them. Runs without python3-torch (the generator is not part of the build).
set -uo pipefail
src=$1
gen="$src/traces/generate/generate.py"
work=$(mktemp -d /tmp/tiersim-generator-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

err=$(/usr/bin/python3 "$gen" 2>&1 >/dev/null); status=$?
[ $status -eq 2 ] || fail "over committed traces: exit $status, expected 2 ($err)"
[[ $err == *"$src/traces/fmnist_resnet4.csv.gz exists (committed traces are not replaced unless you pass --force"* ]] ||
  fail "over committed traces: $err"

err=$(/usr/bin/python3 "$gen" --out "$work/out" --data "$work/no-data" 2>&1 >/dev/null); status=$?
[ $status -eq 2 ] || fail "missing dataset: exit $status, expected 2 ($err)"
[[ $err == "generate.py: $work/no-data/train-images-idx3-ubyte.gz not found: Fashion-MNIST comes from Debian's package dataset-fashion-mnist"* ]] ||
  fail "missing dataset: $err"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "missing dataset: more than one line: $err"
[ ! -e "$work/out" ] || fail "missing dataset: $work/out was created"
echo "ok"
