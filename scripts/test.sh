#!/usr/bin/env bash
# `npm test`: the whole suite on real components. Obtains the Temporal CLI and a PostgreSQL
# server when they are missing, then hands over to test/run.ts (one Temporal dev server and one
# workflow bundle for the whole run). Arguments narrow the run to some test files.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
export TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal.sh)"
export TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
bash scripts/ensure-docker-compose.sh
export CHROMIUM_PATH="$(bash scripts/ensure-chromium.sh)"
# Fonts of the generated identity documents (document-check tests).
bash scripts/ensure-fonts.sh
exec npx --no-install tsx test/run.ts "$@"
