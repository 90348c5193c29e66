#!/usr/bin/env bash
# `npm run bench:events`: the outbox relay's throughput to RabbitMQ next to a bare amqplib
# publisher of the same messages, and the lag from an outbox write to the broker, on the same
# components as `npm test` (real PostgreSQL, the project's RabbitMQ node), obtained the same way.
# Arguments go to bench/events.ts (--n, --batch, --subjects, --rate, --seconds; --help).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
export TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
export TEST_AMQP_URL="$(bash scripts/ensure-rabbitmq.sh)"
exec npx --no-install tsx bench/events.ts "$@"
