#!/usr/bin/env bash
# Makes `docker compose` available (only `docker compose config` is used here: no engine needed).
# Order: an existing plugin; the machine-wide cache; else build Compose v2 from its Go module.
# (`go install` refuses Compose's go.mod, which has replace directives, so the module is
# downloaded and built in place, which honours them.)
set -euo pipefail
VERSION=v2.40.3
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
SHARED="${XDG_CACHE_HOME:-$HOME/.cache}/kyc-service/docker-compose-$VERSION"

if docker compose version >/dev/null 2>&1; then exit 0; fi
command -v docker >/dev/null 2>&1 || { echo "the docker CLI is not installed" >&2; exit 1; }
mkdir -p "$PLUGIN_DIR"
if [ ! -x "$SHARED" ]; then
  command -v go >/dev/null 2>&1 || { echo "no docker compose plugin and no Go toolchain to build one" >&2; exit 1; }
  echo "building docker compose $VERSION from the Go module proxy (first time only, several minutes)..." >&2
  start=$(date +%s)
  dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v2@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$(dirname "$SHARED")"
  (cd "$dir" && go build -trimpath -o "$SHARED.tmp" ./cmd) >&2
  mv "$SHARED.tmp" "$SHARED"
  echo "docker compose built in $(( $(date +%s) - start ))s" >&2
fi
ln -sf "$SHARED" "$PLUGIN_DIR/docker-compose"
docker compose version >&2
