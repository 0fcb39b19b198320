# Shared by scripts/test.sh and scripts/quickstart.sh (sourced, not run).
# Expects the caller to have set `set -euo pipefail` and cd'ed to the project root.

export NEXT_TELEMETRY_DISABLED=1

header() {
  printf '\n==> %s\n' "$*"
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

is_root() {
  [ "$(id -u)" = 0 ]
}

have_redis_server() {
  if [ -n "${HERALD_REDIS_SERVER:-}" ]; then
    [ -x "$HERALD_REDIS_SERVER" ]
    return
  fi
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || [ -x /usr/local/bin/redis-server ]
}

have_chromium() {
  [ -x /usr/bin/chromium ]
}

require_node() {
  command -v node >/dev/null 2>&1 || die "node not found: install Node.js 20.9 or newer"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=9)?0:1)' ||
    die "Node.js $(node -v) is too old: Herald needs 20.9 or newer"
}

# ensure_system_deps redis [chromium]
# Installs what is missing with apt-get when running as root on Debian/Ubuntu; otherwise says
# how to install it and fails.
ensure_system_deps() {
  local want missing=() packages=()
  for want in "$@"; do
    case "$want" in
      redis) have_redis_server || missing+=(redis) ;;
      chromium) have_chromium || missing+=(chromium) ;;
      *) die "ensure_system_deps: unknown dependency $want" ;;
    esac
  done
  [ "${#missing[@]}" -eq 0 ] && return 0

  for want in "$@"; do
    case "$want" in
      redis) packages+=(redis-server redis-tools) ;; # redis-tools: redis-cli, redis-benchmark
      chromium) packages+=(chromium) ;;
    esac
  done

  if is_root && command -v apt-get >/dev/null 2>&1; then
    header "Installing system packages: ${packages[*]} (missing: ${missing[*]})"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  fi

  for want in "$@"; do
    case "$want" in
      redis) have_redis_server ||
        die "redis-server not found: install it (Debian: sudo apt-get install -y redis-server) or set REDIS_URL" ;;
      chromium) have_chromium ||
        die "/usr/bin/chromium not found: install it (Debian: sudo apt-get install -y chromium)" ;;
    esac
  done
}

# npm ci when node_modules is missing or older than package-lock.json. The stamp records the
# lockfile that node_modules was installed from.
ensure_node_modules() {
  local stamp=node_modules/.herald-installed
  if [ -d node_modules ] && [ ! -e "$stamp" ] && [ -e node_modules/.package-lock.json ] &&
    ! [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # Installed by hand with this lockfile: adopt it rather than reinstall.
    touch "$stamp"
  fi
  if [ ! -d node_modules ] || [ ! -e "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    header "npm ci"
    npm ci --no-audit --no-fund
    touch "$stamp"
  fi
}
