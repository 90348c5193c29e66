#!/usr/bin/env bash
# `npm test`: the whole suite on real components. Obtains the Temporal CLI and a PostgreSQL
# server when they are missing, then hands over to test/run.ts (one Temporal dev server and one
# workflow bundle for the whole run). Arguments narrow the run to some test files.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
# Assigned before export: `export X="$(cmd)"` would hide a failing cmd from `set -e`.
TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal.sh)"
TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh)"
# The production-like stack's binaries (test/integration/stack.test.ts): built once, then cached.
TEMPORAL_SERVER_DIR="$(bash scripts/ensure-temporal-server.sh)"
TEMPORAL_UI_SERVER_PATH="$(bash scripts/ensure-temporal-ui.sh)"
HAPROXY_PATH="$(bash scripts/ensure-haproxy.sh)"
TEST_AMQP_URL="$(bash scripts/ensure-rabbitmq.sh)"
bash scripts/ensure-docker-compose.sh
# Certificates of Temporal's mutual TLS (the stack and docker-compose.yml tests).
bash scripts/ensure-openssl.sh >/dev/null
CHROMIUM_PATH="$(bash scripts/ensure-chromium.sh)"
# Fonts of the generated identity documents (document-check tests).
bash scripts/ensure-fonts.sh
export TEMPORAL_CLI_PATH TEST_DATABASE_URL TEST_AMQP_URL TEMPORAL_SERVER_DIR TEMPORAL_UI_SERVER_PATH HAPROXY_PATH CHROMIUM_PATH
exec npx --no-install tsx test/run.ts "$@"
