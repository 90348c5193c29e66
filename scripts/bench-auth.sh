#!/usr/bin/env bash
# `npm run bench:auth`: the per-request cost of checking tokens against the account's current
# state (bench/auth-lookup.ts), on the real PostgreSQL that `npm test` uses, obtained the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
export TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
exec npx --no-install tsx bench/auth-lookup.ts "$@"
