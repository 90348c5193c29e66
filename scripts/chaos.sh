#!/usr/bin/env bash
# `npm run chaos`: the chaos run (bench/chaos/) on the production topology of `npm run stack`.
# Obtains what the stack needs (Temporal Server and UI, HAProxy, PostgreSQL's server binaries for
# the run's own cluster; the stack installs RabbitMQ itself) like the test script, then prints the table.
# Arguments go to bench/chaos/main.ts (--short, --verifications N; --help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
bash scripts/ensure-postgres.sh >/dev/null
bash scripts/ensure-temporal-server.sh >/dev/null
bash scripts/ensure-temporal.sh >/dev/null
bash scripts/ensure-temporal-ui.sh >/dev/null
bash scripts/ensure-haproxy.sh >/dev/null
exec npx --no-install tsx bench/chaos/main.ts "$@"
