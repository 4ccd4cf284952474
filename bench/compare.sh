#!/usr/bin/env bash
# Measure drplan against its peers in one run and print the ratios (issue 7):
#   (a) `drplan check` end to end (wall clock, best of 3) vs `wc -l` on the same file;
#   (b) the dependency graph's topological sort + cycle detection vs networkx and
#       `tsort`, on the same edge list (drplan and networkx timed in process);
#   (c) Monte Carlo component-samples per second vs the raw RNG (benches/simulate.rs);
#   (d) peak memory (max RSS) of `drplan check` vs the plan file's size.
# Usage: bench/compare.sh [SERVICES] (default 100000). networkx is installed into
# target/bench-venv when missing. Set SKIP_SIMULATE=1 to leave out (c).
set -euo pipefail
cd "$(dirname "$0")/.."
services="${1:-100000}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin drplan --example gen-plan --example graph-edges
drplan="$target/release/drplan"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

venv="$target/bench-venv"
if ! "$venv/bin/python" -c 'import networkx' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet networkx >&2
fi

now() { date +%s.%N; }
# Best of three whole-process wall times, in seconds.
best() {
  local best=""
  for _ in 1 2 3; do
    local t0 t1 t
    t0=$(now); "$@" >"$work/out" 2>&1 || true; t1=$(now)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}
row() { printf '%-34s %14s %14s %10s %s\n' "$@"; }

plan="$work/plan.dr"
"$target/release/examples/gen-plan" --services "$services" -o "$plan"
bytes=$(stat -c %s "$plan")
mb=$(echo "$bytes / 1000000" | bc -l)
"$drplan" check "$plan" >/dev/null  # warm the page cache
printf 'plan: %d services, %.1f MB, %d lines; %s, %s cores, %s\n' "$services" "$mb" \
  "$(wc -l <"$plan")" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" "$(date -u +%F)"
row measure drplan peer ratio target
row ---------------------------------- -------------- -------------- ---------- ------

# (a) throughput, end to end.
d=$(best "$drplan" check "$plan")
w=$(best wc -l "$plan")
row "check MB/s (peer: wc -l)" "$(printf '%.1f' "$(echo "$mb / $d" | bc -l)")" \
  "$(printf '%.1f' "$(echo "$mb / $w" | bc -l)")" "$(printf '%.1fx' "$(echo "$d / $w" | bc -l)")" \
  "check >= 100 MB/s"

# (b) graph work on the same edge list.
"$target/release/examples/graph-edges" "$plan" "$work/edges.txt" --repeat 5 >"$work/graph.txt"
g=$(awk '/^graph-seconds/ {print $2}' "$work/graph.txt")
cat >"$work/nx.py" <<'PY'
import sys, time
import networkx as nx
G = nx.DiGraph()
with open(sys.argv[1]) as f:
    G.add_edges_from(line.split() for line in f)
best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    has_cycle = any(len(c) > 1 for c in nx.strongly_connected_components(G))
    order = list(nx.topological_sort(G))
    best = min(best, time.perf_counter() - t0)
print(f"{best:.6f}")
PY
n=$("$venv/bin/python" "$work/nx.py" "$work/edges.txt")
t=$(best tsort "$work/edges.txt")
row "graph cycles+toposort s (networkx)" "$(printf '%.4f' "$g")" "$(printf '%.4f' "$n")" \
  "$(printf '%.0fx' "$(echo "$n / $g" | bc -l)")" "networkx / drplan >= 50"
row "graph s (tsort, whole process)" "$(printf '%.4f' "$g")" "$(printf '%.4f' "$t")" \
  "$(printf '%.0fx' "$(echo "$t / $g" | bc -l)")" "tsort / drplan"
sed 's/^/    /' "$work/graph.txt" | head -1

# (c) Monte Carlo vs the raw RNG: the headline of benches/simulate.rs.
if [ "${SKIP_SIMULATE:-0}" != 1 ]; then
  DRPLAN_BENCH_HEADLINE_ONLY=1 cargo bench --quiet --bench simulate >"$work/sim.txt" 2>&1
  line=$(grep 'one thread:' "$work/sim.txt")
  sim=$(echo "$line" | sed 's/.*one thread: \([0-9.]*\) M.*/\1/')
  raw=$(echo "$line" | sed 's/.*Exp \([0-9.]*\) M samples.*/\1/')
  row "MC M component-samples/s (raw RNG)" "$sim" "$raw" \
    "$(printf '%.2fx' "$(echo "$raw / $sim" | bc -l)")" "raw / drplan <= 5"
fi

# (d) peak memory.
/usr/bin/time -v "$drplan" check "$plan" >/dev/null 2>"$work/time.txt" || true
rss=$(awk -F: '/Maximum resident set size/ {print $2}' "$work/time.txt" | xargs)
row "check peak RSS MB (file size MB)" "$(printf '%.1f' "$(echo "$rss / 1000" | bc -l)")" \
  "$(printf '%.1f' "$mb")" "$(printf '%.1fx' "$(echo "$rss * 1000 / $bytes" | bc -l)")" "RSS / size < 5"
echo "ratio: (a) drplan time / wc time; (b) peer time / drplan time; (c) raw RNG rate / drplan rate; (d) RSS / file size"
