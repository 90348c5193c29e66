#!/usr/bin/env bash
# `npm run bench`: throughput and latency of the real system next to a bare-Temporal ceiling, on
# the same components as `npm test` (Temporal CLI dev server, real PostgreSQL), obtained the same
# way. Arguments go to bench/run.ts (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
export TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal.sh)"
export TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
# The stack section runs the production topology (scripts/stack/); it installs RabbitMQ itself.
bash scripts/ensure-temporal-server.sh >/dev/null
bash scripts/ensure-temporal-ui.sh >/dev/null
bash scripts/ensure-haproxy.sh >/dev/null
exec npx --no-install tsx bench/run.ts "$@"
