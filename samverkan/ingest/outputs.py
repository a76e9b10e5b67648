"""What ingest writes: cases, reconciliation, the settings it used, and the quarantine."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from samverkan.ingest.linking import DuplicateRule
from samverkan.ingest.rows import QUARANTINE_COLUMNS, FileResult
from samverkan.project.atomic import atomic_path, write_atomic
from samverkan.project.schema import RECONCILIATION_COLUMNS, ReconciliationSchema

TOTAL_ROW = "TOTALT"
CASES_FILE = "cases.parquet"
RECONCILIATION_FILE = "reconciliation.csv"
SETTINGS_FILE = "ingest.json"
QUARANTINE_FILE = "quarantine.csv"


def reconciliation(results: list[FileResult], linked: Counter[str]) -> pd.DataFrame:
    """One row per file plus TOTALT: read = kept + excluded + duplicates + quarantined.

    ``linked``: per file, its rows dropped as the other party's copy of a linked incident.
    """
    rows = []
    for r in results:
        dups = r.duplicates + linked.get(r.name, 0)
        kept = r.read - r.excluded - r.quarantined - dups
        rows.append([r.name, r.read, kept, r.excluded, dups, r.quarantined])
    recon = pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)
    total = recon[RECONCILIATION_COLUMNS[1:]].sum()
    recon.loc[len(recon)] = [TOTAL_ROW, *(int(v) for v in total)]
    recon = recon.astype({c: "int64" for c in RECONCILIATION_COLUMNS[1:]})
    return ReconciliationSchema.validate(recon)


def quarantine_table(quarantine: pd.DataFrame) -> pd.DataFrame:
    """The quarantined rows of every file (Swedish headers; no rows: headers only)."""
    if quarantine.empty:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS.values()))
    return quarantine


# Characters a spreadsheet program reads as the start of a formula (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters other than tab, line feed and carriage return (which Excel shows
# as line breaks inside a quoted cell); removed from every quarantine cell
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def spreadsheet_safe(value: object) -> object:
    """A cell as text no spreadsheet evaluates: control characters removed, and a cell
    beginning with ``=``, ``+``, ``-``, ``@``, tab or CR prefixed with an apostrophe."""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub("", value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_quarantine(quarantine: pd.DataFrame) -> pd.DataFrame:
    """The quarantine table with every cell made ``spreadsheet_safe`` (as text)."""
    out = quarantine.astype(object).where(quarantine.notna(), None)
    return out.map(spreadsheet_safe)


def make_private(folder: Path) -> None:
    """Create ``folder`` (and its parents) and make it 0700: it holds personal data."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, PRIVATE_DIR)


def settings_record(rule: DuplicateRule, reassign_out_of_term: bool) -> str:
    """The text of ingest.json: the settings this ingest used, for the report stages."""
    record = {"duplicates": rule.as_dict(), "reassign_out_of_term": bool(reassign_out_of_term)}
    return json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_outputs(
    out_dir: Path,
    quarantine_dir: Path,
    *,
    cases: pd.DataFrame,
    reconciliation: pd.DataFrame,
    quarantine: pd.DataFrame,
    settings: str,
) -> None:
    """Quarantine first (its own folder, 0700, the file 0600, every cell
    ``spreadsheet_safe``), then cases, reconciliation and ingest.json: all three or none
    (temporary files renamed at the end)."""
    make_private(quarantine_dir)
    safe = safe_quarantine(quarantine)
    target = write_atomic(
        quarantine_dir / QUARANTINE_FILE,
        lambda p: safe.to_csv(p, index=False, sep=";", encoding="utf-8-sig"),
    )
    os.chmod(target, PRIVATE_FILE)
    with (
        atomic_path(out_dir / CASES_FILE) as tmp_cases,
        atomic_path(out_dir / RECONCILIATION_FILE) as tmp_recon,
        atomic_path(out_dir / SETTINGS_FILE) as tmp_settings,
    ):
        cases.to_parquet(tmp_cases, index=False)
        reconciliation.to_csv(tmp_recon, index=False)
        tmp_settings.write_text(settings, encoding="utf-8")
