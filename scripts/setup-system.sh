#!/usr/bin/env bash
# System packages: the libraries WeasyPrint needs for the PDF (Pango, HarfBuzz, fontconfig),
# and LibreOffice Calc (headless), which the tests use to open the coding sheet as the
# analysts' spreadsheet program does. Installed only when missing, and only where we may
# (root with apt-get); otherwise say what to install.
set -euo pipefail
missing=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0 libharfbuzz-subset.so.0 libfontconfig.so.1; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
pkgs=""
[ ${#missing[@]} -eq 0 ] || pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core"
command -v soffice >/dev/null || pkgs="$pkgs libreoffice-calc-nogui"
[ -z "${pkgs// }" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installerar systempaket: $pkgs"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
elif [ ${#missing[@]} -gt 0 ]; then
  echo "PDF-utdata kräver systempaketen: $pkgs (saknas: ${missing[*]}). Be er administratör installera dem." >&2
  exit 1
else
  echo "LibreOffice saknas (paketet libreoffice-calc-nogui): testerna mot kalkylprogrammet hoppas över." >&2
fi
