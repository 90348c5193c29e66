#!/usr/bin/env bash
# Prints a PostgreSQL URL for the tests (a role that may create databases), starting a local
# server when none is reachable and installing Debian's postgresql package when none is installed.
set -euo pipefail
if [ -n "${TEST_DATABASE_URL:-}" ]; then echo "$TEST_DATABASE_URL"; exit 0; fi
HOST=127.0.0.1 PORT="${TEST_PG_PORT:-5432}" ROLE=kyc_test PASSWORD=kyc_test
URL="postgresql://$ROLE:$PASSWORD@$HOST:$PORT/postgres"

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
# DROP DATABASE ... WITH (FORCE) of a test database must also stop an autovacuum worker busy in it.
grant_signal() { as_postgres "psql -p $PORT -Atqc 'GRANT pg_signal_backend TO $ROLE'" >/dev/null 2>&1 || true; }

if psql "$URL" -Atqc 'select 1' >/dev/null 2>&1; then grant_signal; echo "$URL"; exit 0; fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 && apt-get -o DPkg::Lock::Timeout=900 install -y -qq postgresql >&2
fi
if ! pg_isready -q -h "$HOST" -p "$PORT"; then
  cluster=$(pg_lsclusters --no-header | awk -v p="$PORT" '$3==p {print $1" "$2; exit}')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster "$version" main --port "$PORT" >&2
    cluster="$version main"
  fi
  pg_ctlcluster $cluster start >&2
  for _ in $(seq 1 30); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 1; done
fi
as_postgres "psql -p $PORT -Atqc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$ROLE') THEN CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'; END IF; END\\\$\\\$\"" >&2
grant_signal
psql "$URL" -Atqc 'select 1' >/dev/null
echo "$URL"
