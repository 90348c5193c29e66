#!/usr/bin/env bash
# Generates the next migration offline, in Prisma's format, from the difference between what the
# existing migrations build and prisma/schema.prisma:
#
#   scripts/new-migration.sh <name>        e.g. scripts/new-migration.sh add_wallet_currency
#
# writes prisma/migrations/<UTC yyyymmddHHMMSS>_<name>/migration.sql and refuses when there is
# nothing to migrate. Review the SQL before committing it: Prisma cannot know about data.
#
# How: a scratch database (on TEST_DATABASE_URL's server, else the one scripts/ensure-postgres.sh
# provides) is migrated by our runner, the same code that migrates production, then Prisma 6's
# schema engine diffs it against the schema (scripts/prisma6.sh). Prisma's diff does not model
# the objects listed in prisma/migration-only-objects.txt, so any DROP of them is taken out.
#
# Overrides: SCHEMA=<file> (default prisma/schema.prisma), MIGRATIONS_DIR=<dir> (default
# prisma/migrations) — e.g. to try a schema change without touching the real migrations.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

name=${1:-}
if ! [[ "$name" =~ ^[a-z0-9][a-z0-9_]*$ ]]; then
  echo "usage: $0 <name>   (lower-case letters, digits and underscores, e.g. add_wallet_currency)" >&2
  exit 2
fi
SCHEMA=$(realpath "${SCHEMA:-prisma/schema.prisma}")
MIGRATIONS_DIR=$(realpath "${MIGRATIONS_DIR:-prisma/migrations}")
MIGRATION_ONLY="$ROOT/prisma/migration-only-objects.txt"

# Decide the directory first: a name that would not sort last would be applied out of order.
stamp=$(date -u +%Y%m%d%H%M%S)
target="$MIGRATIONS_DIR/${stamp}_$name"
latest=$(find "$MIGRATIONS_DIR" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tail -n 1)
if [ -n "$latest" ] && [[ ! "${stamp}_$name" > "$latest" ]]; then
  echo "refusing: ${stamp}_$name would not sort after the latest migration $latest" >&2
  exit 1
fi

server=$(bash scripts/ensure-postgres.sh)
scratch="kyc_new_migration_$(date +%s)_$RANDOM"
scratch_url=$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; process.stdout.write(u.toString())' "$server" "$scratch")
work=$(mktemp -d)
cleanup() {
  psql "$server" -qAtc "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null || echo "could not drop the scratch database $scratch" >&2
  rm -rf "$work"
}
psql "$server" -qAtc "CREATE DATABASE \"$scratch\"" >/dev/null
trap cleanup EXIT

# The runner's own entry point (scripts/migrate.ts) always reads prisma/migrations; calling the
# function it wraps lets MIGRATIONS_DIR point elsewhere.
DATABASE_URL="$scratch_url" MIGRATIONS_DIR="$MIGRATIONS_DIR" npx --no-install tsx -e '
  import { migrate } from "./infra/migrate";
  migrate(process.env.DATABASE_URL ?? "", process.env.MIGRATIONS_DIR).then(
    (ran) => console.error(`scratch database migrated: ${ran.length} migration(s)`),
    (err: Error) => { console.error(err.message); process.exit(1); },
  );' >&2

bash scripts/prisma6.sh --diff-database "$scratch_url" "$SCHEMA" >"$work/diff.sql"

# Take out "-- DropIndex" + "DROP INDEX <migration-only index>;" pairs and the blank line after.
indexes=$(awk '$1 == "index" { print $2 }' "$MIGRATION_ONLY" | tr '\n' ' ')
awk -v names="$indexes" '
  BEGIN { n = split(names, list, " "); for (i = 1; i <= n; i++) migration_only[list[i]] = 1 }
  function is_migration_only_drop(line,   index_name) {
    if (line !~ /^DROP INDEX ("[^"]+"\.)?"[^"]+";[[:space:]]*$/) return 0
    index_name = line
    sub(/^DROP INDEX ("[^"]+"\.)?"/, "", index_name)
    sub(/";[[:space:]]*$/, "", index_name)
    return index_name in migration_only
  }
  held != "" {
    if (is_migration_only_drop($0)) { held = ""; skip_blank = 1; next }
    print held; held = ""
  }
  skip_blank && /^[[:space:]]*$/ { skip_blank = 0; next }
  { skip_blank = 0 }
  /^-- DropIndex[[:space:]]*$/ { held = $0; next }
  is_migration_only_drop($0) { skip_blank = 1; next }
  { print }
  END { if (held != "") print held }
' "$work/diff.sql" >"$work/migration.sql"

if ! grep -Eqv '^[[:space:]]*(--.*)?$' "$work/migration.sql"; then
  echo "refusing: the migrations already build what $(realpath --relative-base="$ROOT" "$SCHEMA") describes; nothing to generate" >&2
  exit 1
fi

mkdir -p "$target"
cp "$work/migration.sql" "$target/migration.sql"
echo "wrote $(realpath --relative-base="$ROOT" "$target")/migration.sql:" >&2
cat "$target/migration.sql" >&2
echo "$target/migration.sql"
