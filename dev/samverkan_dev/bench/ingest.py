"""Benchmark of the ingest stage on a large synthetic term (``samverkan-dev bench-ingest``).

Writes one export per system (LifeCare CSV in Windows-1252, Prorenata CSV in UTF-8 with
BOM, Ritz as xlsx with a title row, the form as comma CSV) with ``rows_per_file`` rows each
into a temporary folder, runs ``ingest_term`` on it and reports wall time, rows per second
and the peak resident memory of the process. Texts are invented; nothing is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import random
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from samverkan.ingest.linking import DuplicateRule
from samverkan.project.paths import config_dir as project_config_dir
from samverkan.project.settings import load_params
from samverkan_dev.demo.generator import load_demo_data

logger = logging.getLogger(__name__)

_WORDS = (
    "SIP möte remiss återkoppling information läkemedel utskrivning hemtjänst boendestöd "
    "kallelse planering ansvar uppföljning samordning kontakt telefon journal besked "
    "vårdplan insats beslut handläggare mottagning väntetid oro anhörig skola elev"
).split()


@dataclass(frozen=True)
class BenchResult:
    rows_per_file: int
    files: int
    rows_read: int
    cases: int
    seconds: float
    peak_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0


def _text(r: random.Random) -> str:
    return " ".join(r.choice(_WORDS) for _ in range(r.randint(12, 40))).capitalize() + "."


def _date(r: random.Random) -> dt.date:
    return dt.date(2025, 7, 1) + dt.timedelta(days=r.randint(0, 183))


def _csv(rows: list[list[str]], sep: str, encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def _lifecare(r: random.Random, n: int, columns: Sequence[str]) -> bytes:
    rows = [[*columns, "Personnummer"]]
    for i in range(n):
        d = _date(r)
        rows.append(
            [
                f"AV-{i}",
                d.strftime("%d/%m/%Y"),
                d.isoformat(),
                r.choice(["Avvikelse extern aktör", "Fall", "Läkemedel"]),
                r.choice(["Hemtjänsten", "LSS-boendet", "Socialtjänsten vuxen"]),
                r.choice(["Vuxenpsykiatrin", "BUP", "Vårdcentralen"]),
                r.choice(["Utgående", "Inkommande"]),
                _text(r),
                r.choice(["", _text(r)]),
                "Ny",
                "",
            ]
        )
    return _csv(rows, ";", "cp1252")


def _prorenata(r: random.Random, n: int, columns: Sequence[str]) -> bytes:
    rows = [list(columns)]
    for i in range(n):
        d = _date(r)
        rows.append(
            [
                str(400000 + i),
                d.strftime("%Y%m%d"),
                d.isoformat(),
                r.choice(["Avvikelse extern aktör", "Annat"]),
                "Elevhälsan",
                "BUP",
                _text(r),
                "",
                "Ny",
            ]
        )
    return b"\xef\xbb\xbf" + _csv(rows, ";", "utf-8")


def _ritz(r: random.Random, n: int, columns: Sequence[str], path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Ärenden Region Skåne"])
    ws.append(list(columns))
    for i in range(n):
        d = _date(r)
        ws.append(
            [
                f"R-{i}",
                dt.datetime.combine(d, dt.time(9)),
                d,
                r.choice(["Klagomål och externt inkomna avvikelser", "Vårdskada"]),
                "Psykosmottagningen",
                "Svedala kommun",
                _text(r),
                r.choice(["Rutiner", "Kommunikation", ""]),
                "",
                "Lindrig",
            ]
        )
    wb.save(path)


def _form(r: random.Random, n: int, columns: Sequence[str]) -> bytes:
    rows = [list(columns)]
    for _ in range(n):
        rows.append(
            [
                _date(r).isoformat(),
                "Helsingborg",
                "BUP; socialtjänsten",
                _text(r),
                "",
                "Personligt ombud",
            ]
        )
    return _csv(rows, ",", "utf-8")


def write_bench_term(raw: Path, rows_per_file: int, seed: int = 1) -> None:
    """Write the four synthetic exports of a 2025HT term into ``raw`` (the demo's columns)."""
    r = random.Random(seed)
    raw.mkdir(parents=True, exist_ok=True)
    columns = {name: system.columns for name, system in load_demo_data().world.systems.items()}
    (raw / "svedala__lifecare.csv").write_bytes(_lifecare(r, rows_per_file, columns["lifecare"]))
    prorenata = _prorenata(r, rows_per_file, columns["prorenata"])
    (raw / "svedala__prorenata.csv").write_bytes(prorenata)
    _ritz(r, rows_per_file, columns["ritz"], raw / "region-skane__ritz.xlsx")
    (raw / "helsingborg__form.csv").write_bytes(_form(r, rows_per_file, columns["form"]))


def run_benchmark(
    rows_per_file: int = 5000,
    config_dir: Path | None = None,
    duplicates: DuplicateRule | None = None,
) -> BenchResult:
    """Time one ingest of a synthetic term with ``rows_per_file`` rows in each of 4 files.

    ``config_dir`` and ``duplicates`` default to the project's config and the rule in its
    params.yaml (``ingest.duplicates``).
    """
    from samverkan.ingest.stage import ingest_term

    cfg = config_dir or project_config_dir()
    rule = duplicates or DuplicateRule.from_params(load_params()["ingest"]["duplicates"])
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        root = Path(tmp)
        write_bench_term(root / "raw", rows_per_file)
        start = time.perf_counter()
        result = ingest_term(
            "2025HT", root / "raw", root / "out", root / "q", config_dir=cfg, duplicates=rule
        )
        seconds = time.perf_counter() - start
    total = result.reconciliation.iloc[-1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return BenchResult(rows_per_file, 4, int(total["read"]), int(total["kept"]), seconds, peak)


def format_report(result: BenchResult) -> str:
    """The benchmark as a few Swedish lines for the terminal."""
    rate = f"{result.rows_per_second:,.0f}".replace(",", "\u00a0")
    return (
        f"Inläsning: {result.files} filer à {result.rows_per_file} rader, "
        f"{result.rows_read} rader lästa, {result.cases} fall\n"
        f"Tid: {result.seconds:.1f} s ({rate} rader/s)\n"
        f"Högsta minnesanvändning: {result.peak_mb:.0f} MB"
    )
