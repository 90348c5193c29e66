#!/usr/bin/env bash
# `npm run bench:rescreen`: ongoing screening of approved customers through the product (worker,
# workflows, PostgreSQL) after a list update, and optionally the periodic full rescreen. Prints
# figures; asserts nothing. Arguments go to bench/rescreen.ts (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
export TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal.sh)"
export TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
exec npx --no-install tsx bench/rescreen.ts "$@"
