#!/usr/bin/env bash
# Prints the Python of a venv holding OpenSanctions' nomenklatura (the screening benchmark's
# reference matcher), creating it under .tools/ from PyPI the first time (about 1.5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.17.4
VENV=.tools/nomenklatura-venv
if ! "$VENV/bin/python" -c "import nomenklatura, sys; sys.exit(0 if __import__('importlib.metadata').metadata.version('nomenklatura') == '$VERSION' else 1)" >/dev/null 2>&1; then
  echo "installing nomenklatura $VERSION into $VENV (first time only)..." >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q "nomenklatura==$VERSION" >&2
fi
echo "$(pwd)/$VENV/bin/python"
