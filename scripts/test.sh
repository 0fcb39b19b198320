#!/usr/bin/env bash
# Every check, in order, stopping at the first failure: what `npm test` and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

started=$SECONDS
current=""
passed=()

on_exit() {
  local code=$?
  if [ "$code" -ne 0 ]; then
    printf '\nFAIL: %s (exit %s) after %ss; passed: %s\n' "${current:-setup}" "$code" \
      "$((SECONDS - started))" "${passed[*]:-none}" >&2
  fi
}
trap on_exit EXIT

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
step unit npx --no-install vitest run --project unit
step build npx --no-install next build
step integration npx --no-install vitest run --project integration
step e2e npx --no-install playwright test

current=""
printf '\nPASS: %s in %ss\n' "${passed[*]}" "$((SECONDS - started))"
