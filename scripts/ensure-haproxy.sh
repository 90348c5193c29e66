#!/usr/bin/env bash
# Prints the path of an HAProxy binary for the stack's load balancer: $HAPROXY_PATH, `haproxy` on
# PATH, else Debian's haproxy package installed with apt. Only the binary is used: the stack runs
# its own haproxy with its own configuration, never the system service.
set -euo pipefail
if [ -n "${HAPROXY_PATH:-}" ] && [ -x "$HAPROXY_PATH" ]; then echo "$HAPROXY_PATH"; exit 0; fi
for candidate in "$(command -v haproxy 2>/dev/null || true)" /usr/sbin/haproxy; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
echo "installing HAProxy (Debian package)..." >&2
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
as_root apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends haproxy >&2
command -v haproxy 2>/dev/null || echo /usr/sbin/haproxy
