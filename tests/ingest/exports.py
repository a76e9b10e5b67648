"""Export fixtures for the ingest tests: small real-shaped exports as files, and writers.

tests/fixtures/ingest/exports/ holds one small export per system (semicolon CSV, UTF-8),
named as in a term folder. Tests take the systems' headers (and sample rows) from there
instead of copying them, and write variants with ``csv_bytes`` / ``xlsx_bytes``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "exports"
FILES = {
    "lifecare": "svedala__lifecare.csv",
    "ritz": "region-skane__ritz.csv",
    "prorenata": "svedala__prorenata.csv",
    "form": "helsingborg__form.csv",
}


def export_path(system: str) -> Path:
    return EXPORTS / FILES[system]


def export_rows(system: str) -> list[list[str]]:
    """The fixture export of ``system`` as rows of text, header first."""
    with export_path(system).open(encoding="utf-8", newline="") as f:
        return [list(r) for r in csv.reader(f, delimiter=";")]


def export_header(system: str) -> list[str]:
    """The header row of the fixture export of ``system``."""
    return export_rows(system)[0]


def csv_bytes(rows: list[list[str]], sep: str = ";", encoding: str = "utf-8") -> bytes:
    """Rows as CSV bytes as the systems write them (CRLF, quotes only where needed)."""

    def q(c: str) -> str:
        return (
            '"' + c.replace('"', '""') + '"' if any(x in c for x in (sep, '"', "\n", "\r")) else c
        )

    text = "\r\n".join(sep.join(q(c) for c in r) for r in rows) + "\r\n"
    return text.encode(encoding)


def xlsx_bytes(
    rows: list[list[object]], sheets: dict[str, list[list[object]]] | None = None
) -> bytes:
    """Rows as a workbook whose sheet "Export" holds them (``sheets``: more sheets, first)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    for r in rows:
        ws.append(r)
    for name, extra in (sheets or {}).items():
        other = wb.create_sheet(name, 0)
        for r in extra:
            other.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
