#!/usr/bin/env bash
# Prints the path of the Chromium the browser tests drive (test/browser, through playwright-core),
# installing Debian's chromium package when it is missing: `npx playwright install` downloads
# from a CDN, which these machines cannot reach. CHROMIUM_PATH picks another binary.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then echo "$CHROMIUM"; exit 0; fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "installing chromium (Debian package)..." >&2
export DEBIAN_FRONTEND=noninteractive
as_root apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
# The fonts are only recommended by the package; without them screenshots show no text.
as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends chromium fonts-liberation >&2
if [ ! -x "$CHROMIUM" ]; then echo "chromium was installed but $CHROMIUM is not there; set CHROMIUM_PATH" >&2; exit 1; fi
echo "$CHROMIUM"
