#!/usr/bin/env bash
# Test the tree-sitter grammar: generate the parser, run the corpus tests, parse every
# example plan (no ERROR or MISSING node allowed) and highlight them.
# Installs the tree-sitter CLI when it is missing (npm, else cargo), unless
# DRPLAN_TS_NO_INSTALL is set. Works on a copy, so the committed files stay untouched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v tree-sitter >/dev/null 2>&1; then
  if [ -n "${DRPLAN_TS_NO_INSTALL:-}" ]; then
    echo "tree-sitter is not installed" >&2
    exit 1
  fi
  echo "installing the tree-sitter CLI"
  # The npm package downloads a prebuilt binary, which not every network allows;
  # crates.io builds it from source.
  npm install -g tree-sitter-cli >/dev/null 2>&1 \
    || cargo install tree-sitter-cli --locked --quiet
  export PATH="$HOME/.cargo/bin:$PATH"
fi
tree-sitter --version

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/grammars"
cp -r "$here" "$work/grammars/tree-sitter-drplan"
cd "$work/grammars/tree-sitter-drplan"
printf '{"parser-directories": ["%s"]}\n' "$work/grammars" > "$work/config.json"

tree-sitter generate
tree-sitter test

# Every example plan, and every example line of the EBNF grammar, parses cleanly.
grep '^/\* e\.g\. ' "$root/grammar/drplan.ebnf" | sed 's|^/\* e\.g\. ||; s|\*/$||' > "$work/ebnf-examples.dr"
failed=0
count=0
for plan in "$root"/plans/*.dr "$root"/tests/cases/ok/*.dr "$work/ebnf-examples.dr"; do
  count=$((count + 1))
  if ! out="$(tree-sitter parse --config-path "$work/config.json" "$plan" 2>&1)" \
    || grep -qE 'ERROR|MISSING' <<<"$out"; then
    echo "FAIL: $plan does not parse cleanly"
    grep -E 'ERROR|MISSING' <<<"$out" | head -5
    failed=$((failed + 1))
  fi
  tree-sitter highlight --config-path "$work/config.json" "$plan" >/dev/null
done
echo "example plans parsed and highlighted by tree-sitter:"
echo "tree-sitter: $((count - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
