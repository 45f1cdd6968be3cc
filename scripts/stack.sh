#!/usr/bin/env bash
# The one command that runs the whole local stack (README). Installs and builds what it needs, then
# becomes the supervisor (`exec`, as `npm run stack` execs this script): the SIGTERM or SIGINT npm
# forwards to its child reaches the supervisor itself, with no shell in between to die of it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each setup step runs in a process group of its own and is waited for, so that a SIGTERM or SIGINT
# arriving meanwhile (from npm, or Ctrl-C) stops the whole step (npm install, go build) before we exit.
step_pid=
stop_step() {
  if [ -n "$step_pid" ]; then
    kill -"$1" -- "-$step_pid" 2>/dev/null || true
    wait "$step_pid" 2>/dev/null || true
  fi
  echo "==> stopped during setup ($1)"
  exit 0
}
trap 'stop_step TERM' TERM
trap 'stop_step INT' INT
trap 'stop_step HUP' HUP
step() {
  set -m
  "$@" &
  step_pid=$!
  set +m
  wait "$step_pid"
  step_pid=
}

step bash scripts/ensure-deps.sh
step bash scripts/install-tools.sh
# Built again only when a source changed since the last build (a second stack started beside a
# running one must not rewrite the files the first is loading), one build at a time per clone.
mkdir -p node_modules/.cache
step flock node_modules/.cache/dw-build.lock bash -c '
  sources="src workflows activities workers scripts package.json package-lock.json tsconfig.json tsconfig.build.json"
  if [ -f dist/.build-stamp ] && [ -z "$(find $sources -newer dist/.build-stamp -print -quit)" ]; then
    echo "==> build: up to date"
    exit 0
  fi
  echo "==> build (TypeScript + prebuilt workflow bundle)"
  touch node_modules/.cache/dw-build-started
  npm run --silent build
  mv node_modules/.cache/dw-build-started dist/.build-stamp
'
exec node dist/scripts/stack.js
