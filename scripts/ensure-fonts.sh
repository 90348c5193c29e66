#!/usr/bin/env bash
# Makes the fonts of the generated identity documents available to sharp's SVG renderer (through
# fontconfig): Debian's fonts-ocr-b for the machine-readable zone, DejaVu Sans for the visual zone.
# Installs the Debian packages when fontconfig cannot find them. Prints nothing on success.
set -euo pipefail
# By family name (fc-list pattern), not by file path.
has_font() { [ -n "$(fc-list "$1" family 2>/dev/null)" ]; }
if has_font 'OCR B' && has_font 'DejaVu Sans'; then exit 0; fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "installing the OCR-B and DejaVu fonts (Debian packages)..." >&2
export DEBIAN_FRONTEND=noninteractive
as_root apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends fontconfig fonts-ocr-b fonts-dejavu-core >&2
fc-cache -f >/dev/null 2>&1 || true
for font in 'OCR B' 'DejaVu Sans'; do
  if ! has_font "$font"; then echo "the $font font was installed but fontconfig does not list it (fc-list)" >&2; exit 1; fi
done
