#!/usr/bin/env bash
# First run on a fresh clone: system deps, npm deps, production build, then the server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_node
# With REDIS_URL set Herald uses that Redis and never starts its own.
if [ -z "${REDIS_URL:-}" ]; then
  ensure_system_deps redis
fi
ensure_node_modules

# What the production build is made from: when none of it changed since the last build, that
# build is reused (FORCE_BUILD=1 builds anyway). server/ is not in it: tsx runs it from source.
build_inputs() {
  { find app components lib public proxy.ts next.config.mjs postcss.config.mjs tsconfig.json package-lock.json \
    -type f ! -name '*.test.ts' -print0 2>/dev/null || true; } | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
stamp=.next/herald-build-inputs
inputs=$(build_inputs)

if [ "${SKIP_BUILD:-}" = 1 ] && [ -e .next/BUILD_ID ]; then
  header "Skipping the build (SKIP_BUILD=1)"
elif [ "${FORCE_BUILD:-}" != 1 ] && [ -e .next/BUILD_ID ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
  header "Sources unchanged since the last build: reusing it (FORCE_BUILD=1 rebuilds)"
else
  header "Building (next build)"
  rm -f "$stamp"
  npx --no-install next build
  printf '%s\n' "$inputs" >"$stamp"
fi

header "Starting Herald (npm start)"
exec npm start
