#!/usr/bin/env bash
# Prints the path of `openssl`, which makes the certificates of Temporal's mutual TLS
# (scripts/temporal-certs.sh): on PATH, else Debian's openssl package installed with apt.
set -euo pipefail
if command -v openssl >/dev/null 2>&1; then command -v openssl; exit 0; fi
echo "installing OpenSSL (Debian package)..." >&2
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
as_root apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends openssl >&2
command -v openssl
