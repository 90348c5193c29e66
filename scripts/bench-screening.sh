#!/usr/bin/env bash
# `npm run bench:screening`: matching quality (recall, false positives, top-1 by variant) beside
# OpenSanctions' nomenklatura, screening latency and rescreening time, on the bundled lists in a
# real PostgreSQL. Prints tables; asserts nothing. Arguments go to bench/screening.ts (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
export TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
export NOMENKLATURA_PYTHON="$(bash scripts/ensure-nomenklatura.sh || true)"
exec npx --no-install tsx bench/screening.ts "$@"
