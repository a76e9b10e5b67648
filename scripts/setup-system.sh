#!/usr/bin/env bash
# System packages: the libraries WeasyPrint needs for the PDF (Pango, HarfBuzz, fontconfig),
# and LibreOffice Calc (headless), which the tests use to open the coding sheet as the
# analysts' spreadsheet program does; Chromium (headless) with axe-core from npm for the
# accessibility test of the HTML reports, and poppler-utils (pdftoppm, pdftotext) to look at
# the rendered pages. Installed only when missing, and only where we may
# (root with apt-get); otherwise say what to install. Without LibreOffice the spreadsheet
# tests are skipped with a reason, without Chromium the accessibility tests; without the PDF
# libraries nothing can be published.
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

if ! command -v chromium >/dev/null; then
  if can_install; then
    echo "Installerar Chromium och poppler-utils (för tillgänglighets- och layouttesterna)"
    install chromium poppler-utils || echo "Chromium kunde inte installeras: tillgänglighetstesterna hoppas över." >&2
  else
    echo "Chromium saknas (paketet chromium): tillgänglighetstesterna hoppas över." >&2
  fi
fi
if ! command -v pdftotext >/dev/null; then
  if can_install; then
    install poppler-utils || echo "poppler-utils kunde inte installeras: layouttestet av PDF:erna hoppas över." >&2
  else
    echo "poppler-utils saknas (pdftotext, pdftoppm): layouttestet av PDF:erna hoppas över." >&2
  fi
fi
# axe-core at the version locked in tests/accessibility/package-lock.json (npm ci: exactly that)
axe_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/accessibility"
axe_version() {  # the installed axe-core's version and the locked one: equal when up to date
  (cd "$axe_dir" && node -p "require('./node_modules/axe-core/package.json').version + ' ' +
    require('./package-lock.json').packages['node_modules/axe-core'].version" 2>/dev/null) || echo "saknas"
}
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ] || [ "$(axe_version | awk '{print ($1 == $2)}')" != 1 ]; then
  if ! command -v npm >/dev/null && can_install; then
    echo "Installerar Node.js och npm (för axe-core)"
    install nodejs npm || true
  fi
  if command -v npm >/dev/null; then
    (cd "$axe_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || echo "axe-core kunde inte installeras (npm ci i tests/accessibility): tillgänglighetstestet av HTML-rapporterna fallerar." >&2
  else
    echo "npm saknas (paketen nodejs och npm): axe-core kan inte installeras, tillgänglighetstestet av HTML-rapporterna fallerar." >&2
  fi
fi
