#!/usr/bin/env bash
# System packages: the libraries WeasyPrint needs for the PDF (Pango, HarfBuzz, fontconfig),
# and LibreOffice Calc (headless), which the tests use to open the coding sheet as the
# analysts' spreadsheet program does. Installed only when missing, and only where we may
# (root with apt-get); otherwise say what to install. Without LibreOffice the spreadsheet
# tests are skipped with a reason; without the PDF libraries nothing can be published.
set -euo pipefail
missing=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0 libharfbuzz-subset.so.0 libfontconfig.so.1; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
can_install() { [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; }
updated=""
install() {
  [ -n "$updated" ] || { apt-get update -qq && updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ ${#missing[@]} -gt 0 ]; then
  pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core"
  if can_install; then
    echo "Installerar systempaket för PDF: $pkgs"
    install $pkgs
  else
    echo "PDF-utdata kräver systempaketen: $pkgs (saknas: ${missing[*]}). Be er administratör installera dem." >&2
    exit 1
  fi
fi
if ! command -v soffice >/dev/null; then
  if can_install; then
    echo "Installerar LibreOffice Calc (för testerna mot kalkylprogrammet)"
    install libreoffice-calc-nogui || echo "LibreOffice kunde inte installeras: de testerna hoppas över." >&2
  else
    echo "LibreOffice saknas (paketet libreoffice-calc-nogui): testerna mot kalkylprogrammet hoppas över." >&2
  fi
fi
