#!/usr/bin/env bash
# System libraries WeasyPrint needs (Pango, HarfBuzz, fontconfig). Installed only when
# missing, and only where we may (root with apt-get); otherwise say what to install.
set -euo pipefail
missing=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0 libharfbuzz-subset.so.0 libfontconfig.so.1; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
[ ${#missing[@]} -eq 0 ] && exit 0
pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing system libraries for PDF output: $pkgs"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
else
  echo "PDF output needs these system packages: $pkgs (missing: ${missing[*]}). Ask your administrator to install them." >&2
  exit 1
fi
