#!/usr/bin/env bash
# Prints the path of the schemathesis CLI (the OpenAPI fuzzer test/e2e/fuzz.test.ts runs), after
# installing it from PyPI into the git-ignored .tools/venv when it is missing or not this version.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
VENV="$PWD/.tools/venv"
BIN="$VENV/bin/schemathesis"

if [ -x "$BIN" ] && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" = "$VERSION" ]; then
  echo "$BIN"
  exit 0
fi

if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "installing python3-venv (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 && apt-get -o DPkg::Lock::Timeout=900 install -y -qq python3-venv >&2
fi
echo "installing schemathesis $VERSION into .tools/venv..." >&2
python3 -m venv "$VENV" >&2
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
echo "$BIN"
