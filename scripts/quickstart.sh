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

if [ "${SKIP_BUILD:-}" = 1 ] && [ -e .next/BUILD_ID ]; then
  header "Skipping the build (SKIP_BUILD=1)"
else
  header "Building (next build)"
  npx --no-install next build
fi

header "Starting Herald (npm start)"
exec npm start
