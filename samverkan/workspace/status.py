"""Where the project stands: per term and year, what is there and what is missing."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samverkan.project.paths import ProjectPaths, TermPaths
from samverkan.project.settings import load_params
from samverkan.workspace.terms import expected_exports

_EXTENSIONS = (".csv", ".xlsx")


@dataclass(frozen=True)
class PeriodStatus:
    period: str  # a term or a year
    kind: str  # "termin" or "år"
    present: list[str]  # raw export files found (terms only)
    missing: list[str]  # expected exports not found (terms only)
    stale: list[str]  # DVC stages of the period that are not up to date
    cases: int | None  # None: not ingested yet
    manual: int | None  # cases coded by hand (None: not coded yet)
    reports: list[str]  # published files


def stale_stages(root: Path) -> set[str] | None:
    """DVC stages that are not up to date (None when DVC cannot tell)."""
    try:
        proc = subprocess.run(
            ["dvc", "status", "--json"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return set(json.loads(proc.stdout or "{}"))
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError):
        return None


def _raw_files(paths: TermPaths) -> tuple[list[str], list[str]]:
    folder = paths.raw
    found = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    stems = {Path(name).stem for name in found if Path(name).suffix.lower() in _EXTENSIONS}
    expected = [Path(e.path).name.split(".")[0] for e in expected_exports(paths.root, paths.term)]
    missing = [stem for stem in expected if stem not in stems]
    return found, missing


def _counts(paths: TermPaths) -> tuple[int | None, int | None]:
    cases = len(pd.read_parquet(paths.cases, columns=["case_id"])) if paths.cases.exists() else None
    manual = None
    if paths.coded_cases.exists():
        coded = pd.read_parquet(paths.coded_cases, columns=["coding"])
        manual = int((coded["coding"] == "manuell").sum())
    return cases, manual


def _reports(paths: ProjectPaths, period: str) -> list[str]:
    folder = paths.period_reports(period)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".html", ".pdf"))


def project_status(root: Path, stale: set[str] | None) -> list[PeriodStatus]:
    paths = ProjectPaths(Path(root))
    params = load_params(paths.root)
    out = []
    for term in params.get("terms") or {}:
        tp = TermPaths(paths.root, str(term))
        present, missing = _raw_files(tp)
        cases, manual = _counts(tp)
        mine = sorted(s.partition("@")[0] for s in (stale or set()) if s.endswith(f"@{term}"))
        out.append(
            PeriodStatus(str(term), "termin", present, missing, mine, cases, manual,
                         _reports(paths, str(term)))
        )  # fmt: skip
    for year in params.get("years") or {}:
        mine = sorted(s.partition("@")[0] for s in (stale or set()) if s.endswith(f"@{year}"))
        out.append(PeriodStatus(str(year), "år", [], [], mine, None, None, _reports(paths, year)))
    return out


def status_table(rows: list[PeriodStatus], dvc_known: bool):
    """The status as a rich table, in Swedish."""
    from rich.table import Table

    table = Table(
        title="Läget i projektet",
        caption="Saknas: exporter som väntas i data/raw/TERMIN/ (.csv eller .xlsx). "
        "Rapporterna ligger i reports/PERIOD/.",
        show_lines=True,
    )
    for header in ("Period", "Exporter", "Saknas", "Steg", "Fall", "Kodade för hand", "Rapporter"):
        table.add_column(header, overflow="fold")
    for r in rows:
        if not dvc_known:
            steps = "okänt (dvc svarar inte)"
        else:
            steps = "klara" if not r.stale else "att köra:\n" + "\n".join(r.stale)
        table.add_row(
            f"{r.period} ({r.kind})",
            str(len(r.present)) if r.kind == "termin" else "–",
            "\n".join(r.missing) or ("inga" if r.kind == "termin" else "–"),
            steps,
            "–" if r.cases is None else str(r.cases),
            "–" if r.manual is None else str(r.manual),
            ", ".join(Path(name).suffix[1:].upper() for name in r.reports) or "inga ännu",
        )
    return table
