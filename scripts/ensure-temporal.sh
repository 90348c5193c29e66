#!/usr/bin/env bash
# Prints the path of an official Temporal CLI, obtaining it if needed, in this order:
#   $TEMPORAL_CLI_PATH; `temporal` on PATH; .tools/bin/temporal (git-ignored);
#   the machine-wide cache ~/.cache/kyc-service/ (survives fresh clones on the same machine);
#   else build it from the Go module proxy (v1.5.1: the newest tag that `go install` accepts).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v1.5.1
LOCAL=.tools/bin/temporal
SHARED="${XDG_CACHE_HOME:-$HOME/.cache}/kyc-service/temporal-$VERSION"

if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
remember() { [ -x "$SHARED" ] || { mkdir -p "$(dirname "$SHARED")" && cp "$LOCAL" "$SHARED.tmp" && mv "$SHARED.tmp" "$SHARED"; }; }
if [ -x "$LOCAL" ]; then remember; echo "$PWD/$LOCAL"; exit 0; fi
mkdir -p .tools/bin
if [ -x "$SHARED" ]; then cp "$SHARED" "$LOCAL"; echo "$PWD/$LOCAL"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "no Temporal CLI found and no Go toolchain to build one (https://go.dev/dl)" >&2; exit 1; }
echo "building the Temporal CLI $VERSION from the Go module proxy (first time only, a few minutes)..." >&2
start=$(date +%s)
GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
echo "Temporal CLI built in $(( $(date +%s) - start ))s" >&2
remember
echo "$PWD/$LOCAL"
