#!/usr/bin/env bash
# Installs the real infrastructure the stack and the tests need, once, into a per-user cache
# outside the repository (so CI's fresh clone on the same machine reuses it):
#   - Temporal CLI v1.5.1 (dev server + Web UI), built with `go install` (about 5-6 min on 2 cores)
#   - FerretDB v1.24.0 (MongoDB wire protocol on PostgreSQL), built from tools/ferretdb (about 1-3 min)
#   - docker-compose (Debian package), only to validate docker-compose.yml in the tests
#   - chromium (Debian package), for the admin page's real-browser test (playwright-core drives it)
# Each step is skipped when already present, or when a real server is given (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${DW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-whatsapp}"
BIN="$CACHE/bin"
mkdir -p "$BIN"
exec 9>"$CACHE/.install.lock"
flock 9 # one install at a time (stack and tests may start together)

TEMPORAL_VERSION=v1.5.1
say() { printf '==> %s\n' "$*"; }

# Prints a progress line every 100 packages `go build -v` reports, so a long build is visibly alive.
progress() { awk '{ n++; if (n % 100 == 0) { printf "    ... %d packages compiled\n", n; fflush() } } END { printf "    ... %d packages compiled\n", n }'; }

command -v go >/dev/null || { echo "go is required to build the Temporal CLI and FerretDB" >&2; exit 1; }

# --- Temporal CLI ---
if [ -x "$BIN/temporal" ] && [ "$(cat "$BIN/.temporal.version" 2>/dev/null)" = "$TEMPORAL_VERSION" ]; then
  say "Temporal CLI $TEMPORAL_VERSION: present ($BIN/temporal)"
else
  say "Building Temporal CLI $TEMPORAL_VERSION into $BIN (about 5-6 minutes on 2 cores)"
  start=$(date +%s)
  GOBIN="$BIN" go install -v "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_VERSION" 2>&1 | progress
  [ -x "$BIN/temporal" ] || { echo "Temporal CLI build failed" >&2; exit 1; }
  echo "$TEMPORAL_VERSION" >"$BIN/.temporal.version"
  say "Temporal CLI built in $(($(date +%s) - start)) s: $("$BIN/temporal" --version)"
fi

# --- FerretDB (skipped when a real MongoDB is given) ---
if [ -n "${MONGODB_URI:-}" ] || command -v mongod >/dev/null; then
  say "FerretDB: skipped (MONGODB_URI given or mongod on PATH)"
else
  stamp=$(cat tools/ferretdb/go.mod tools/ferretdb/go.sum tools/ferretdb/main.go | sha256sum | cut -c1-16)
  if [ -x "$BIN/ferretdb" ] && [ "$(cat "$BIN/.ferretdb.stamp" 2>/dev/null)" = "$stamp" ]; then
    say "FerretDB v1.24.0: present ($BIN/ferretdb)"
  else
    say "Building FerretDB v1.24.0 into $BIN (about 1-3 minutes)"
    start=$(date +%s)
    (cd tools/ferretdb && go build -v -o "$BIN/ferretdb" . 2>&1 | progress)
    [ -x "$BIN/ferretdb" ] || { echo "FerretDB build failed" >&2; exit 1; }
    echo "$stamp" >"$BIN/.ferretdb.stamp"
    say "FerretDB built in $(($(date +%s) - start)) s"
  fi
fi

# --- Debian packages: docker-compose (validation only; no Docker engine here) and chromium (browser test) ---
apt_updated=
debian_package() { # <command> <package> <why>
  if command -v "$1" >/dev/null; then
    say "$2: present ($(command -v "$1"))"
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing $2 (Debian package): $3"
    [ -n "$apt_updated" ] || { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$2" >/dev/null
  else
    echo "$2 is missing and cannot be installed without root: install Debian's $2 package ($3)" >&2
    exit 1
  fi
}
debian_package docker-compose docker-compose "validates docker-compose.yml"
debian_package chromium chromium "the admin page's browser test"
