#!/usr/bin/env bash
# The Prisma 6.19 CLI, for the two jobs Prisma 7's CLI cannot do on air-gapped machines: generate
# migration SQL and check drift. Prisma 6.19 ships a WASM schema engine that runs through a driver
# adapter (`engine: 'js'`), so nothing is downloaded from Prisma's CDN. Migrations are still
# APPLIED by scripts/migrate.ts: Prisma 6's `migrate deploy` cannot run through the adapter.
#
# Usage:
#   scripts/prisma6.sh <prisma arguments...>
#       Runs the Prisma 6 CLI. DATABASE_URL names the database the adapter connects to.
#   scripts/prisma6.sh --schema-copy <schema.prisma> <copy.prisma>
#       Writes a copy of a Prisma 7 schema that Prisma 6 accepts (see schema_copy below).
#   scripts/prisma6.sh --diff-database <database url> [schema.prisma]
#       Prints the SQL that brings that database to the schema (default prisma/schema.prisma);
#       prints "-- This is an empty migration." when they agree. Read-only; meant for scratch
#       databases migrated by scripts/migrate.ts (scripts/new-migration.sh, the drift test).
#
# Prisma 6 is installed once into the git-ignored .tools/prisma6/ (never into the project's
# node_modules) and reinstalled when the pinned versions below change.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PRISMA_VERSION=6.19.0
# Same pg as the project, so both sides speak to PostgreSQL the same way.
PG_VERSION=8.23.1
PACKAGES=("prisma@$PRISMA_VERSION" "@prisma/adapter-pg@$PRISMA_VERSION" "pg@$PG_VERSION")
TOOL_DIR="$ROOT/.tools/prisma6"

# Why each piece of this config exists:
# - @prisma/adapter-pg 6.19 throws on PostgreSQL's catalog types `name` and "char", which the
#   schema engine reads whenever it describes a database. pg hands both over as plain strings,
#   so relabelling them as text loses nothing.
# - With `engine: 'js'` the CLI refuses --from-url; it reads a live database only as the shadow
#   database that --from-migrations replays into. PRISMA6_SHADOW_DATABASE_URL hands it an
#   existing database instead, so an empty migration history means "describe that database".
# - The adapter's own shadow databases are refused: with a connection string it silently uses the
#   main database as the shadow (pg lets the URL win over the `database` it overrides), and its
#   cleanup drops the shadow database before closing the pool that still uses it.
# - allowExitOnIdle: the CLI never closes its pool; without it the process idles for 10 s.
read -r -d '' CONFIG <<'TS' || true
// Written by scripts/prisma6.sh, which explains each part; edit it there.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

const NAME = 19, CHAR = 18, NAME_ARRAY = 1003, TEXT = 25, TEXT_ARRAY = 1009;
const RELABEL: Record<number, number> = { [NAME]: TEXT, [CHAR]: TEXT, [NAME_ARRAY]: TEXT_ARRAY };

function relabel(result: pg.QueryResult | undefined): void {
  for (const field of result?.fields ?? []) field.dataTypeID = RELABEL[field.dataTypeID] ?? field.dataTypeID;
}

class CatalogTextClient extends pg.Client {
  query(...args: unknown[]): unknown {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') {
      args[args.length - 1] = (err: Error | null, result: pg.QueryResult) => {
        if (!err) relabel(result);
        callback(err, result);
      };
    }
    const returned: unknown = Reflect.apply(super.query, this, args);
    if (!(returned instanceof Promise)) return returned;
    return returned.then((result: pg.QueryResult) => {
      relabel(result);
      return result;
    });
  }
}

function adapterFor(url: string): PrismaPg {
  return new PrismaPg({ connectionString: url, Client: CatalogTextClient, allowExitOnIdle: true });
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is required: the database Prisma 6 connects to');
    const adapter = adapterFor(url);
    const shadowUrl = process.env.PRISMA6_SHADOW_DATABASE_URL;
    adapter.connectToShadowDb = async () => {
      if (!shadowUrl) {
        // The CLI replaces a thrown message with "External error id#0": say it here too.
        const message = 'shadow databases are not supported here: use scripts/prisma6.sh --diff-database, or set PRISMA6_SHADOW_DATABASE_URL to a scratch database';
        console.error(message);
        throw new Error(message);
      }
      return adapterFor(shadowUrl).connect();
    };
    return adapter;
  },
});
TS

install() {
  local wanted="${PACKAGES[*]}"
  if [ "$(cat "$TOOL_DIR/.installed" 2>/dev/null)" != "$wanted" ]; then
    echo "installing ${PACKAGES[*]} into .tools/prisma6 (first time only)..." >&2
    local start=$SECONDS staging="$TOOL_DIR.staging.$$"
    rm -rf "$TOOL_DIR".staging.* && mkdir -p "$staging"
    # A package.json of its own keeps npm from walking up to the project's.
    echo '{ "name": "kyc-prisma6-tools", "private": true }' >"$staging/package.json"
    # --ignore-scripts: @prisma/engines' postinstall would try to download native engines.
    npm install --prefix "$staging" --save-exact --ignore-scripts --no-audit --no-fund --loglevel=error "${PACKAGES[@]}" >&2
    echo "$wanted" >"$staging/.installed"
    rm -rf "$TOOL_DIR" && mv "$staging" "$TOOL_DIR"
    echo "Prisma $PRISMA_VERSION installed in $((SECONDS - start))s" >&2
  fi
  if [ "$(cat "$TOOL_DIR/prisma.config.ts" 2>/dev/null)" != "$CONFIG" ]; then
    printf '%s\n' "$CONFIG" >"$TOOL_DIR/prisma.config.ts.$$" && mv "$TOOL_DIR/prisma.config.ts.$$" "$TOOL_DIR/prisma.config.ts"
  fi
}

ensure_installed() {
  mkdir -p "$ROOT/.tools"
  # Tests may start several of these at once: one installs, the others wait for it.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$ROOT/.tools/prisma6.lock"
    flock 9
    install
    flock -u 9
  else
    install
  fi
}

run_prisma() {
  local has_config=false arg
  for arg in "$@"; do case "$arg" in --config | --config=*) has_config=true ;; esac; done
  local extra=()
  $has_config || extra=(--config "$TOOL_DIR/prisma.config.ts")
  # The engine variables name any existing file: they only stop the CLI from downloading native
  # engines it will not use. CHECKPOINT_DISABLE: no telemetry calls from an air-gapped machine.
  PRISMA_QUERY_ENGINE_LIBRARY=/bin/true PRISMA_SCHEMA_ENGINE_BINARY=/bin/true \
    CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 \
    node "$TOOL_DIR/node_modules/prisma/build/index.js" "$@" "${extra[@]}"
}

# Prisma 6 requires `url` in the datasource block, which Prisma 7 forbids (it lives in
# prisma.config.ts there). Generator blocks are dropped: a diff needs none, and Prisma-7-only
# generator options would make Prisma 6 refuse the file.
schema_copy() {
  local source=$1 target=$2
  [ -f "$source" ] || { echo "no schema at $source" >&2; exit 2; }
  awk '
    /^[[:space:]]*generator[[:space:]]+[A-Za-z0-9_]+[[:space:]]*\{/ { skipping = 1 }
    skipping { if ($0 ~ /^[[:space:]]*\}/) skipping = 0; next }
    /^[[:space:]]*datasource[[:space:]]+[A-Za-z0-9_]+[[:space:]]*\{/ { in_ds = 1; has_url = 0 }
    in_ds && /^[[:space:]]*url[[:space:]]*=/ { has_url = 1 }
    in_ds && /^[[:space:]]*\}/ { if (!has_url) print "  url = env(\"DATABASE_URL\")"; in_ds = 0 }
    { print }
  ' "$source" >"$target"
}

diff_database() {
  local url=$1 schema=${2:-$ROOT/prisma/schema.prisma}
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  schema_copy "$schema" "$work/schema.prisma"
  mkdir "$work/no-migrations"
  echo 'provider = "postgresql"' >"$work/no-migrations/migration_lock.toml"
  DATABASE_URL="$url" PRISMA6_SHADOW_DATABASE_URL="$url" run_prisma migrate diff \
    --from-migrations "$work/no-migrations" --to-schema-datamodel "$work/schema.prisma" --script
}

case "${1:-}" in
  --schema-copy)
    [ $# -eq 3 ] || { echo "usage: $0 --schema-copy <schema.prisma> <copy.prisma>" >&2; exit 2; }
    schema_copy "$2" "$3"
    ;;
  --diff-database)
    [ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 --diff-database <database url> [schema.prisma]" >&2; exit 2; }
    ensure_installed
    diff_database "$2" "${3:-}"
    ;;
  "")
    echo "usage: $0 <prisma arguments...> | --schema-copy <in> <out> | --diff-database <url> [schema]" >&2
    exit 2
    ;;
  *)
    ensure_installed
    run_prisma "$@"
    ;;
esac
