#!/usr/bin/env bash
# The one command that runs the whole local stack (README). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/install-tools.sh
echo "==> build (TypeScript + prebuilt workflow bundle)"
npm run --silent build
exec node dist/scripts/stack.js
