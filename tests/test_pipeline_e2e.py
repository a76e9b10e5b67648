"""End to end: demo data → dvc repro → reports, in a copy of the project.

Runs the real commands a user runs (the same sequence as `make report`) and checks the
outcome: every report in HTML and PDF, every raw row accounted for, no planted personal
data anywhere in the outputs, a second run re-runs nothing, and a changed export re-runs
only its own term and its year's annual report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_GROUP, DEMO_PARAMS
from conftest import ROOT as REPO
from pypdf import PdfReader

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
TERMS = ["2024VT", "2024HT", "2025VT", "2025HT"]
YEARS = ["2024", "2025"]
COPY = ["samverkan", "config", "notebooks", "dvc.yaml", ".dvcignore"]


def run(cmd: list[str], root: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "SAMVERKAN_ROOT": str(root),
        "MPLBACKEND": "Agg",
    }
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("projekt")
    for item in COPY:
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, root / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, root / item)
    # the demo's settings and group texts, never the working ones (they hold real terms)
    shutil.copy2(DEMO_PARAMS, root / "params.yaml")
    shutil.copytree(DEMO_GROUP, root / "data" / "group")
    secret = root / ".samverkan-secret"  # as make setup creates it: links by pseudonym
    secret.write_bytes(os.urandom(32))
    secret.chmod(0o600)
    run(["dvc", "init", "--no-scm", "-q"], root)
    run(["dvc", "config", "core.analytics", "false"], root)
    # the same sequence as `make report`
    run(["samverkan-dev", "demo-data", "--out", "data/raw"], root)
    run(["dvc", "repro"], root)
    return root


def test_every_report_exists_as_html_and_pdf_with_its_title(project: Path) -> None:
    for period, stem, title in [
        *[(t, f"terminsrapport-{t}", "Terminsrapport") for t in TERMS],
        *[(y, f"arsrapport-{y}", "Årsrapport") for y in YEARS],
    ]:
        html = (project / "reports" / period / f"{stem}.html").read_text(encoding="utf-8")
        assert "<script" not in html
        assert title in html
        reader = PdfReader(project / "reports" / period / f"{stem}.pdf")
        assert len(reader.pages) >= 3
        first = reader.pages[0].extract_text()
        assert title in first, first[:200]
        text = "".join(p.extract_text() for p in reader.pages)
        assert re.search(r"[åäöÅÄÖ]", text) and "Ã" not in text  # no mojibake


def test_every_raw_row_is_accounted_for(project: Path) -> None:
    for term in TERMS:
        rec = pd.read_csv(project / "data" / "processed" / term / "reconciliation.csv")
        assert (
            rec["read"] == rec["kept"] + rec["excluded"] + rec["duplicates"] + rec["quarantined"]
        ).all()
        total = rec[rec["file"] == "TOTALT"].iloc[0]
        body = rec[rec["file"] != "TOTALT"]
        assert total["read"] == body["read"].sum() and total["read"] > 0
        cases = pd.read_parquet(project / "data" / "processed" / term / "cases.parquet")
        assert len(cases) == total["kept"]
        assert 40 <= len(cases) <= 150


def _output_texts(project: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for folder in ("data/processed", "reports", "logs"):
        for path in sorted((project / folder).rglob("*")):
            if not path.is_file():
                continue
            if path.suffix == ".parquet":
                texts[str(path)] = pd.read_parquet(path).astype(str).to_csv()
            elif path.suffix == ".pdf":
                texts[str(path)] = "".join(p.extract_text() for p in PdfReader(path).pages)
            else:
                texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_no_planted_identifier_reaches_any_output(project: Path) -> None:
    """Independent of the project's own scanner: every identifier the demo generator planted
    (as written, and names word by word) is searched for, case-insensitively, in every output."""
    planted = json.loads((project / "data" / "raw" / ".demo-planted.json").read_text("utf-8"))
    needles = {str(v) for v in planted["all"] if len(str(v)) >= 4}
    for item in planted["names"]:  # each part of a name, as the reader would see it
        needles |= {w for w in re.findall(r"[^\W\d_]{4,}", item["text"])}
    needles -= {"dr", "lgh"}
    assert len(needles) > 100
    pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(map(re.escape, sorted(needles, key=len, reverse=True)))
        + r")(?!\w)",
        re.IGNORECASE,
    )
    texts = _output_texts(project)
    assert any(p.endswith(".pdf") for p in texts) and any(p.endswith(".ipynb") for p in texts)
    leaks = []
    for path, text in texts.items():
        for match in pattern.finditer(text):
            leaks.append((Path(path).name, match.group()[:2] + "…"))
    assert not leaks, leaks[:20]


def test_leak_scanner_finds_nothing_in_the_outputs(project: Path) -> None:
    proc = run(["samverkan", "check-leaks"], project, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_the_cli_writes_the_same_cases_as_the_stage(project: Path, tmp_path: Path) -> None:
    run(
        [
            "samverkan",
            "ingest",
            "--term",
            "2025HT",
            "--out-dir",
            str(tmp_path / "p"),
            "--quarantine-dir",
            str(tmp_path / "q"),
        ],
        project,
    )
    stage = pd.read_parquet(project / "data" / "processed" / "2025HT" / "cases.parquet")
    again = pd.read_parquet(tmp_path / "p" / "cases.parquet")
    pd.testing.assert_frame_equal(stage, again)


def test_a_bad_export_gets_one_clear_line_and_nothing_is_written(
    project: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(project / "data" / "raw" / "2025HT", raw)
    (raw / "vellinge__lifecare.csv").write_bytes(b"\x00\xff\xfe garbage \x00" * 50)
    out = tmp_path / "out"
    proc = run(
        [
            "samverkan",
            "ingest",
            "--term",
            "2025HT",
            "--raw-dir",
            str(raw),
            "--out-dir",
            str(out),
            "--quarantine-dir",
            str(tmp_path / "q"),
        ],
        project,
        check=False,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "vellinge__lifecare.csv" in lines[0] and "Traceback" not in proc.stderr
    assert not (out / "cases.parquet").exists() and not (out / "reconciliation.csv").exists()


def test_a_second_run_reruns_nothing(project: Path) -> None:
    proc = run(["dvc", "repro"], project)
    assert stages_run(proc.stdout) == set(), proc.stdout


def test_a_changed_export_reruns_only_its_term_and_year(project: Path) -> None:
    raw = project / "data" / "raw" / "2025HT"
    target = sorted(p for p in raw.glob("*.csv"))[0]
    data = target.read_bytes()
    target.write_bytes(data.rstrip(b"\r\n") + b"\r\n\r\n")  # one more trailing empty row
    proc = run(["dvc", "repro"], project)
    ran = stages_run(proc.stdout)
    assert "ingest@2025HT" in ran
    allowed = {
        f"{s}@2025HT" for s in ("ingest", "coding_sheet", "code", "export_qda", "term_report")
    }
    allowed.add("annual_report@2025")
    assert ran <= allowed, ran
    assert "annual_report@2025" in ran  # its provenance lists the changed file's hash


def _stale_stages(project: Path) -> set[str]:
    out = run(["dvc", "status"], project).stdout
    return set(re.findall(r"(?m)^(\w+@\w+):", out))


def test_a_changed_module_makes_dvc_status_report_the_stages_that_import_it(
    project: Path,
) -> None:
    every = {
        *(
            f"{s}@{t}"
            for s in ("ingest", "coding_sheet", "code", "export_qda", "term_report")
            for t in TERMS
        ),
        *(f"annual_report@{y}" for y in YEARS),
    }
    reports = {f"term_report@{t}" for t in TERMS} | {f"annual_report@{y}" for y in YEARS}
    assert _stale_stages(project) == set()
    for module, expected in [
        ("samverkan/project/schema.py", every),  # every stage validates with it
        ("samverkan/report/charts.py", reports),  # only the reports draw charts
    ]:
        target = project / module
        original = target.read_bytes()
        try:
            target.write_bytes(original + b"\n# changed\n")
            assert _stale_stages(project) == expected, module
        finally:
            target.write_bytes(original)
    assert _stale_stages(project) == set()
