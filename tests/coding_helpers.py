"""Tiny synthetic tables shared by the coding tests, and the project's codebook."""

from __future__ import annotations

import csv
import random
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG

from samverkan.coding.codebook import load_codebook
from samverkan.project.schema import cases_schema
from samverkan.project.vocabulary import load_vocabulary

BOOK = load_codebook(CONFIG / "codebook.yaml")
VOCAB = load_vocabulary(CONFIG)


def random_patterns(
    n: int, seed: int, atoms: list[str], quants: list[str], openers: list[str]
) -> list[str]:
    """``n`` random regular expressions that Python compiles: up to four atoms or groups
    (``openers``, nested twice at most, of one to three alternatives), each followed by one
    of ``quants`` ("" for none)."""
    rng = random.Random(seed)

    def gen(depth: int) -> str:
        out = ""
        for _ in range(rng.randint(1, 4)):
            if depth < 2 and rng.random() < 0.35:
                alts = "|".join(gen(depth + 1) for _ in range(rng.randint(1, 3)))
                out += rng.choice(openers) + alts + ")"
            else:
                out += rng.choice(atoms)
            out += rng.choice(quants)
        return out

    found: list[str] = []
    while len(found) < n:
        pattern = gen(0)
        try:
            re.compile(pattern)
        except re.error:
            continue
        found.append(pattern)
    return found


def make_cases(
    texts: dict[str, str], term: str = "2025VT", category: dict | None = None
) -> pd.DataFrame:
    """A valid cases table: one row per (hex suffix -> description)."""
    category = category or {}
    n = len(texts)
    rows = {
        "case_id": [f"{term}-{k}" for k in texts],
        "term": [term] * n,
        "received": pd.to_datetime([f"2025-02-{i + 1:02d}" for i in range(n)]),
        "event_date": pd.to_datetime([None] * n),
        "organisation": ["svedala"] * n,
        "system": ["lifecare"] * n,
        "reporter_party": ["socialtjanst"] * n,
        "receiver_party": ["vuxenpsykiatri"] * n,
        "direction": ["kommun_till_region"] * n,
        "category": [category.get(k) for k in texts],
        "source_type": ["Avvikelse extern aktör"] * n,
        "description": list(texts.values()),
        "action": [None] * n,
        "has_action": [False] * n,
        "outcome": [None] * n,
        "has_outcome": [False] * n,
        "feedback_date": pd.to_datetime([None] * n),
        "status": [None] * n,
        "involves_child": [None] * n,
        "reported_by_both": [False] * n,
        "source_file": ["svedala__lifecare.csv"] * n,
        "linked_file": [None] * n,
        "linked_case_id": [None] * n,
    }
    schema = cases_schema(VOCAB)
    if "linked_case_id" in schema.columns:  # once ingest records the merged case id
        rows["linked_case_id"] = [None] * n
    return schema.validate(pd.DataFrame(rows))


def with_links(cases: pd.DataFrame, links: dict[str, str]) -> pd.DataFrame:
    """``cases`` with ingest's linked_case_id column: {kept case id: dropped case id}."""
    out = cases.copy()
    out["linked_case_id"] = pd.array([links.get(c) for c in out["case_id"]], dtype="string")
    return out


# ---- a real spreadsheet program: LibreOffice headless --------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) saknas: apt-get install -y libreoffice-calc-nogui "
    "(scripts/setup-system.sh installerar det)",
)
# UTF-8 CSV with comma separator and double quotes (LibreOffice's CSV filter options)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def soffice_convert(src: Path, to: str, out_dir: Path) -> Path:
    """Convert ``src`` with LibreOffice headless (``to``: "xlsx" or CSV_FILTER) into
    ``out_dir``; a private profile so parallel runs do not share one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
         "--norestore", "--convert-to", to, "--outdir", str(out_dir), str(src)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    suffix = "csv" if to.startswith("csv") else to
    out = out_dir / f"{src.stem}.{suffix}"
    assert out.exists(), f"LibreOffice wrote no {out.name}"
    return out


def sheet_csv_rows(sheet: Path, out_dir: Path) -> list[list[str]]:
    """The first sheet of a workbook as LibreOffice shows it (cell texts), via CSV."""
    out = soffice_convert(sheet, CSV_FILTER, out_dir)
    with out.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def libreoffice_save(sheet: Path, work: Path) -> None:
    """Open and save ``sheet`` in LibreOffice (as xlsx), in place, as an analyst would."""
    src = work / "in" / sheet.name
    src.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(sheet, src)
    out = soffice_convert(src, "xlsx", work / "out")
    shutil.copy2(out, sheet)
