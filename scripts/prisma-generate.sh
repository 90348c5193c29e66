#!/usr/bin/env bash
# `prisma generate` needs no schema engine, but the CLI still tries to download one unless
# PRISMA_SCHEMA_ENGINE_BINARY names an existing file (these machines are air-gapped).
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
export PRISMA_HIDE_UPDATE_MESSAGE=1
exec npx --no-install prisma generate
