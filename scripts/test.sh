#!/usr/bin/env bash
# Every check, in order, stopping at the first failure: what `npm test` and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

started=$SECONDS
current=""
passed=()
tests_passed=0
tests_failed=0
log=$(mktemp)

on_exit() {
  local code=$?
  if [ "$code" -ne 0 ]; then
    count_tests
    printf '\nFAIL: %s (exit %s) after %ss; passed: %s\n' "${current:-setup}" "$code" \
      "$((SECONDS - started))" "${passed[*]:-none}" >&2
    # A step that fails before any test ran still counts as one failure.
    [ "$tests_failed" -gt 0 ] || tests_failed=1
    printf 'tests: %s passed, %s failed\n' "$tests_passed" "$tests_failed"
  fi
  rm -f "$log"
}
trap on_exit EXIT

# Add up the runners' own summaries (vitest "Tests  3 failed | 75 passed (78)", playwright
# "  12 passed (30s)" / "  1 failed") from the output of the test steps so far.
count_tests() {
  local counts
  # awk alone (no grep): a pattern that matches nothing must not trip `set -e -o pipefail`.
  counts=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
    /^ *Tests +/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    /^ +[0-9]+ passed \(/ { p += $1 }
    /^ +[0-9]+ failed$/ { f += $1 }
    END { print p + 0, f + 0 }')
  tests_passed=${counts% *}
  tests_failed=${counts#* }
}

# A step whose output is kept for the final count.
tests() {
  "$@" 2>&1 | tee -a "$log"
}

step() {
  local name=$1 t0=$SECONDS
  shift
  current=$name
  header "$name: $*"
  "$@"
  passed+=("$name")
  printf -- '--- %s ok (%ss)\n' "$name" "$((SECONDS - t0))"
}

current="system deps"
require_node
ensure_system_deps redis chromium
current="npm ci"
ensure_node_modules

step typecheck npm run -s typecheck
step lint npm run -s lint
step unit tests npx --no-install vitest run --project unit
step build npx --no-install next build
step integration tests npx --no-install vitest run --project integration
step e2e tests npx --no-install playwright test

current=""
count_tests
printf '\nPASS: %s in %ss\n' "${passed[*]}" "$((SECONDS - started))"
printf 'tests: %s passed, %s failed\n' "$tests_passed" "$tests_failed"
