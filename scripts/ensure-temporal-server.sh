#!/usr/bin/env bash
# Prints a directory holding the Temporal Server for the production-like stack, obtaining it if
# needed: `temporal-server`, its SQL schema tool `temporal-sql-tool`, and the PostgreSQL schema
# (`schema/postgresql/v12/{temporal,visibility}`, shipped in the server's Go module).
# Order: $TEMPORAL_SERVER_DIR; .tools/temporal-server-<version> (git-ignored); the machine-wide
# cache ~/.cache/kyc-service/ (survives fresh clones on the same machine); else build both from
# the Go module proxy (v1.29.1, the server the Temporal CLI v1.5.1 bundles; its go.mod has no
# replace directive, so `go install` accepts it).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v1.29.1
NAME="temporal-server-$VERSION"
LOCAL=".tools/$NAME"
SHARED="${XDG_CACHE_HOME:-$HOME/.cache}/kyc-service/$NAME"

complete() { [ -x "$1/temporal-server" ] && [ -x "$1/temporal-sql-tool" ] && [ -f "$1/schema/postgresql/v12/temporal/schema.sql" ]; }

if [ -n "${TEMPORAL_SERVER_DIR:-}" ] && complete "$TEMPORAL_SERVER_DIR"; then echo "$TEMPORAL_SERVER_DIR"; exit 0; fi
if complete "$LOCAL"; then
  complete "$SHARED" || { rm -rf "$SHARED.tmp" && mkdir -p "$(dirname "$SHARED")" && cp -r "$LOCAL" "$SHARED.tmp" && mv "$SHARED.tmp" "$SHARED"; }
  echo "$PWD/$LOCAL"; exit 0
fi
if complete "$SHARED"; then
  rm -rf "$LOCAL.tmp" && mkdir -p .tools && cp -r "$SHARED" "$LOCAL.tmp" && mv "$LOCAL.tmp" "$LOCAL"
  echo "$PWD/$LOCAL"; exit 0
fi

command -v go >/dev/null 2>&1 || { echo "no Temporal Server found and no Go toolchain to build one (https://go.dev/dl)" >&2; exit 1; }
echo "building Temporal Server $VERSION and its SQL tool from the Go module proxy (first time only, several minutes)..." >&2
start=$(date +%s)
build="$PWD/$LOCAL.tmp"
rm -rf "$build" && mkdir -p "$build/bin"
GOBIN="$build/bin" GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/server@$VERSION" "go.temporal.io/server/cmd/tools/sql@$VERSION" >&2
mv "$build/bin/server" "$build/temporal-server"
mv "$build/bin/sql" "$build/temporal-sql-tool"
rmdir "$build/bin"
# The schema travels with the binaries, so a cached copy does not depend on the module cache.
module=$(GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
mkdir -p "$build/schema/postgresql"
cp -r "$module/schema/postgresql/v12" "$build/schema/postgresql/"
chmod -R u+w "$build/schema"
mv "$build" "$LOCAL"
echo "Temporal Server built in $(( $(date +%s) - start ))s" >&2
rm -rf "$SHARED.tmp" && mkdir -p "$(dirname "$SHARED")" && cp -r "$LOCAL" "$SHARED.tmp" && mv "$SHARED.tmp" "$SHARED"
echo "$PWD/$LOCAL"
