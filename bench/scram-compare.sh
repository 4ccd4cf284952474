#!/usr/bin/env bash
# Time SCRAM (`scram --probability true`, whole process) and drplan's exact engine on the
# same inputs in one run, and print the ratio. Inputs: the SCRAM reference trees in
# tests/data/open-psa and the largest service of generated plans (exported with
# `to_open_psa`). drplan's time is measured inside the process (parse XML + BDD), and
# also as a whole process, like SCRAM's. Needs `scram` (Debian package) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v scram >/dev/null || { echo "scram is not on PATH (apt-get install scram)" >&2; exit 2; }
cargo build --release --quiet --example exact
target="${CARGO_TARGET_DIR:-target}"
exact="$target/release/examples/exact"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
# Best of three whole-process wall times.
best() {
  local best=""
  for _ in 1 2 3; do
    local t0 t1 t
    t0=$(now); "$@" >"$work/out" 2>&1; t1=$(now)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}
scram_p() { grep -o '<sum-of-products[^>]*' "$work/out" | grep -o 'probability="[^"]*"' | head -1 | cut -d'"' -f2; }

printf '%-22s %12s %12s %12s %12s %8s\n' input scram-p drplan-p scram-s drplan-s ratio
compare() {
  local name=$1 file=$2
  local s d sp dp
  s=$(best scram --probability true "$file"); sp=$(scram_p)
  d=$(best "$exact" "$file"); dp=$(grep '^tree' "$work/out" | sed 's/.*probability \([^\t]*\).*/\1/')
  printf '%-22s %12s %12.6g %12.4f %12.4f %8.1f\n' "$name" "$sp" "$dp" "$s" "$d" "$(echo "$s / $d" | bc -l)"
}
for f in two_train theatre ne574 baobab1 200_event; do
  compare "$f" "tests/data/open-psa/$f.xml"
done
for n in 1000 5000; do
  "$exact" --generate "$n" "$work/gen-$n.xml" >"$work/gen-$n.txt"
  compare "generated-$n" "$work/gen-$n.xml"
  sed 's/^/    /' "$work/gen-$n.txt"
done
echo "ratio = SCRAM time / drplan time (whole process, best of 3); > 1 means drplan is faster"
