#!/usr/bin/env bash
# A RabbitMQ node of the project's own, for the tests and the event benchmark:
#
#   scripts/ensure-rabbitmq.sh [start]   starts the node unless it runs; prints its AMQP URL
#   scripts/ensure-rabbitmq.sh stop      stops it (nothing to do when it does not run)
#   scripts/ensure-rabbitmq.sh run       runs the node in the foreground (a supervisor's child:
#                                        `npm run stack`); SIGTERM stops it cleanly
#
# Installs Debian's rabbitmq-server when it is missing. The node runs as the calling user with
# its own name, ports, cookie and data under .tools/rabbitmq/<name>/ (git-ignored), detached, so
# it disturbs neither the system's RabbitMQ service nor another node of these scripts.
#   KYC_RABBITMQ_NAME  node name (default kyc-test-<checkout>): a test that stops and starts its
#                      broker runs a node of its own under another name
#   KYC_RABBITMQ_PORT  AMQP port on 127.0.0.1 (default 5700-5999, from the checkout's path); the
#                      Erlang distribution port is KYC_RABBITMQ_DIST_PORT (default AMQP port + 20000)
#   KYC_RABBITMQ_DIR   the node's folder (default .tools/rabbitmq/<name>)
# The defaults depend on the checkout's path, so two checkouts on one machine (worktrees, CI
# beside a developer's copy) run nodes of their own instead of tripping over each other's.
# TEST_AMQP_URL, when set, names a broker to use instead of starting one ("start" only).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ACTION=${1:-start}
CHECKOUT=$(printf '%s' "$ROOT" | sha1sum | cut -c1-6)
NAME=${KYC_RABBITMQ_NAME:-kyc-test-$CHECKOUT}
PORT=${KYC_RABBITMQ_PORT:-$((5700 + 0x$CHECKOUT % 300))}
DIST_PORT=${KYC_RABBITMQ_DIST_PORT:-$((PORT + 20000))}
NODE="$NAME@localhost"
BASE="${KYC_RABBITMQ_DIR:-$ROOT/.tools/rabbitmq/$NAME}"
URL="amqp://guest:guest@127.0.0.1:$PORT"
BIN=/usr/lib/rabbitmq/bin

if ! [[ "$NAME" =~ ^[a-z0-9][a-z0-9_-]*$ ]]; then echo "KYC_RABBITMQ_NAME: lower-case letters, digits, - and _ only" >&2; exit 2; fi
if [ "$ACTION" = start ] && [ -n "${TEST_AMQP_URL:-}" ]; then echo "$TEST_AMQP_URL"; exit 0; fi

if [ ! -x "$BIN/rabbitmq-server" ]; then
  echo "installing RabbitMQ (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  # Other jobs on the machine may hold the package lock for a while: wait for it.
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq rabbitmq-server >&2
fi

# Everything the node reads or writes is under BASE: its own cookie (HOME), no system env file,
# no system plugins, a listener on loopback only.
mkdir -p "$BASE/home" "$BASE/log"
export HOME="$BASE/home"
export RABBITMQ_NODENAME="$NODE"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$PORT"
export RABBITMQ_DIST_PORT="$DIST_PORT"
export RABBITMQ_MNESIA_BASE="$BASE/mnesia"
export RABBITMQ_LOG_BASE="$BASE/log"
export RABBITMQ_PID_FILE="$BASE/rabbitmq.pid"
export RABBITMQ_CONF_ENV_FILE="$BASE/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$BASE/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$BASE/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins"
: >"$RABBITMQ_CONF_ENV_FILE"
[ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ] || echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
# The tests and the benchmark write a few thousand small messages: the default 50 MB free-disk
# alarm is kept, the log stays quiet.
cat >"$RABBITMQ_CONFIG_FILE" <<EOF
listeners.tcp.default = 127.0.0.1:$PORT
log.file.level = warning
log.console = false
EOF

running() { "$BIN/rabbitmq-diagnostics" -q -n "$NODE" ping >/dev/null 2>&1; }

case "$ACTION" in
  start)
    if ! running; then
      echo "starting RabbitMQ node $NODE on 127.0.0.1:$PORT..." >&2
      "$BIN/rabbitmq-server" -detached >&2 2>&1
      # await_startup fails at once while the Erlang node is not up yet: retry for a while.
      for _ in $(seq 1 60); do
        "$BIN/rabbitmqctl" -q -n "$NODE" await_startup --timeout 60 >/dev/null 2>&1 && break
        sleep 1
      done
      running || { echo "RabbitMQ node $NODE did not start; see $BASE/log" >&2; exit 1; }
    fi
    echo "$URL"
    ;;
  stop)
    if running; then "$BIN/rabbitmqctl" -q -n "$NODE" shutdown >&2; fi
    ;;
  run)
    if running; then echo "RabbitMQ node $NODE already runs" >&2; exit 1; fi
    echo "RabbitMQ node $NODE on 127.0.0.1:$PORT ($URL), data in $BASE" >&2
    exec "$BIN/rabbitmq-server"
    ;;
  *)
    echo "usage: $0 [start|stop|run]" >&2
    exit 2
    ;;
esac
