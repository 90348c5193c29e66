#!/usr/bin/env bash
# Prints the path of the Temporal Web UI server for the stack, obtaining it if needed:
# $TEMPORAL_UI_SERVER_PATH; .tools/bin/temporal-ui-server-<version> (git-ignored); the machine-wide
# cache ~/.cache/kyc-service/; else build it from the Go module proxy. The ui-server module ships
# the built web assets and its go.mod has no replace directive, so `go install` accepts it;
# v2.42.1 is the UI the Temporal CLI v1.5.1 embeds (it is missing from the proxy's version list,
# but the proxy serves it by name).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v2.42.1
LOCAL=".tools/bin/temporal-ui-server-$VERSION"
SHARED="${XDG_CACHE_HOME:-$HOME/.cache}/kyc-service/temporal-ui-server-$VERSION"

if [ -n "${TEMPORAL_UI_SERVER_PATH:-}" ] && [ -x "$TEMPORAL_UI_SERVER_PATH" ]; then echo "$TEMPORAL_UI_SERVER_PATH"; exit 0; fi
remember() { [ -x "$SHARED" ] || { mkdir -p "$(dirname "$SHARED")" && cp "$LOCAL" "$SHARED.tmp" && mv "$SHARED.tmp" "$SHARED"; }; }
if [ -x "$LOCAL" ]; then remember; echo "$PWD/$LOCAL"; exit 0; fi
mkdir -p .tools/bin
if [ -x "$SHARED" ]; then cp "$SHARED" "$LOCAL"; echo "$PWD/$LOCAL"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "no Temporal UI server found and no Go toolchain to build one (https://go.dev/dl)" >&2; exit 1; }
echo "building the Temporal UI server $VERSION from the Go module proxy (first time only, a few minutes)..." >&2
start=$(date +%s)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
GOBIN="$build" GOFLAGS=-mod=mod go install "github.com/temporalio/ui-server/v2/cmd/server@$VERSION" >&2
mv "$build/server" "$LOCAL"
echo "Temporal UI server built in $(( $(date +%s) - start ))s" >&2
remember
echo "$PWD/$LOCAL"
