#!/usr/bin/env bash
# The one test command (README): dependencies, tools, typecheck, lint, then every jest test on a
# real Temporal dev server and a real FerretDB that jest's global setup starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/ensure-deps.sh
bash scripts/install-tools.sh
echo "==> typecheck"; npx tsc -p tsconfig.json --noEmit
echo "==> lint"; npx eslint . && npx prettier --check . --log-level warn
echo "==> jest"; npx jest "$@"
echo "==> all tests passed in $(($(date +%s) - start)) s"
