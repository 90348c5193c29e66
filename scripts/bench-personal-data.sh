#!/usr/bin/env bash
# `npm run bench:personal-data`: the cost of per-subject keys next to the service key
# (bench/personal-data.ts), on the real PostgreSQL that `npm test` uses, obtained the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
export TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
exec npx --no-install tsx bench/personal-data.ts "$@"
