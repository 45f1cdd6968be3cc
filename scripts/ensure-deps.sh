#!/usr/bin/env bash
# Installs node_modules when missing or older than package.json / package-lock.json.
# `npm install` rather than `npm ci`: the npm on this machine kind writes lock files that record
# only this platform's optional binaries (@swc/core-*, …) and its own `npm ci` then refuses them as
# out of sync. Every dependency is pinned to an exact version in package.json, and the lock file
# is honoured, so the installed tree is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.dw-deps-hash
want=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> npm install (dependencies changed or missing)"
  npm install --no-audit --no-fund --loglevel=error
  want=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
  echo "$want" >"$stamp"
fi
