"""The analyst's guide is executable truth: every ```sh block of docs/analytikerguide.md
runs, in order, on a fresh copy of the project, as an analyst would type it.

demo → remove-demo → new-term → exports in place → make report → code in the sheet →
make report → make test. Between the blocks the test does what the guide asks the analyst
to do by hand (put exports in place, tick a cause in the sheet), and checks the outcome.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import DEMO_GROUP, DEMO_PARAMS, ROOT

pytestmark = pytest.mark.slow

GUIDE = ROOT / "docs" / "analytikerguide.md"
EXPECTED = [
    "make report",
    "make remove-demo",
    "make new-term TERMIN=2026VT",
    "make report",
    "make report",
    "make test",
]
SKIP = {
    *(".git", ".venv", ".samverkan-secret", "logs", "__pycache__"),
    *(".pytest_cache", ".ruff_cache", ".hypothesis"),
}
DATA_ZONES = ("data/raw", "data/processed", "data/coding", "data/quarantine", "reports")


def guide_blocks() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_the_guide_lists_the_first_term_path() -> None:
    assert guide_blocks() == EXPECTED


def _ignore(folder: str, names: list[str]) -> set[str]:
    rel = Path(folder).resolve().relative_to(ROOT).as_posix()
    out = {n for n in names if n in SKIP or n.endswith(".egg-info")}
    if rel in DATA_ZONES:  # the checkout's own data never reaches the copy
        out |= {n for n in names if n != "README.md"}
    if rel == ".dvc":
        out |= {"cache", "tmp"} & set(names)
    if rel == "data/group":  # the group's own texts: the demo's are put in instead
        out |= set(names)
    return out


def _setup_stamp() -> Path:
    """The stamp ``make setup`` leaves in .venv for the current pins (named as the Makefile
    names it: the first 12 hex digits of the SHA-1 of the four files)."""
    pins = ("pyproject.toml", "dev/pyproject.toml", "environment.yml", "constraints.txt")
    digest = hashlib.sha1(b"".join((ROOT / f).read_bytes() for f in pins)).hexdigest()[:12]
    return ROOT / ".venv" / f".installed-{digest}"


def _fresh_copy(tmp_path: Path) -> Path:
    """The project as a fresh clone has it: code, config, the demo's params and group
    texts, no data; a git repository with everything committed; the checkout's .venv.
    That .venv must be set up for the current pins: otherwise the copy's ``make`` would
    install the package again into it, from the copy (which is deleted afterwards)."""
    if not _setup_stamp().is_file():
        pytest.fail(
            "Miljön i .venv är inte installerad för de nuvarande versionerna: kör make setup "
            "(make test gör det) innan testet, som annars installerar om den delade miljön."
        )
    copy = tmp_path / "projekt"
    shutil.copytree(ROOT, copy, ignore=_ignore, symlinks=True)  # copy2 keeps mtimes
    shutil.copy2(DEMO_PARAMS, copy / "params.yaml")
    shutil.copytree(DEMO_GROUP, copy / "data" / "group", dirs_exist_ok=True)
    shutil.copy2(ROOT / "data" / "group" / "README.md", copy / "data" / "group" / "README.md")
    (copy / ".venv").symlink_to(ROOT / ".venv")
    if (ROOT.parent / "shared").is_dir():  # the shared test data beside the checkout
        (tmp_path / "shared").symlink_to(ROOT.parent / "shared")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "klon"]):
        subprocess.run(cmd, cwd=copy, check=True, env=_env(copy))
    return copy


def _env(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SAMVERKAN_ROOT"}
    env.update(
        DVC_NO_ANALYTICS="1",
        GIT_AUTHOR_NAME="Analytiker",
        GIT_AUTHOR_EMAIL="analytiker@example.org",
        GIT_COMMITTER_NAME="Analytiker",
        GIT_COMMITTER_EMAIL="analytiker@example.org",
        # `make test` inside this test: the fast tests, never this test again
        PYTEST_ADDOPTS="-m 'not slow' -p no:cacheprovider",
    )
    return env


def _run(block: str, copy: Path) -> str:
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=copy,
        env=_env(copy),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, f"{block}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def _git_changes(copy: Path) -> list[str]:
    out = subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return out.splitlines()


def _commit(copy: Path) -> None:
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True, env=_env(copy))
    subprocess.run(["git", "commit", "-qm", "steg"], cwd=copy, check=True, env=_env(copy))


def _put_exports_in_place(copy: Path, term: str) -> None:
    """Real-shaped exports of every organisation and system, as the analysts receive them."""
    from samverkan_dev.demo.generator import write_demo_data

    written = copy.parent / "exporter"
    write_demo_data(written, seed=7, terms=(term,))
    for path in sorted((written / term).iterdir()):
        shutil.copy2(path, copy / "data" / "raw" / term / path.name)
        (copy / "data" / "raw" / term / path.name).chmod(0o600)


def _code_one_case(copy: Path, term: str) -> str:
    """Tick the first suggested cause of the first case as analyst 1, as in Excel."""
    from openpyxl import load_workbook

    sheet = copy / "data" / "coding" / term / "kodning.xlsx"
    wb = load_workbook(sheet)
    ws = wb.worksheets[0]
    header = {str(c.value): c.column for c in ws[1] if c.value}
    cause_col = next(col for text, col in header.items() if text.startswith("A1: ") and "[" in text)
    ws.cell(row=2, column=cause_col, value="x")
    case_id = str(ws.cell(row=2, column=header["Ärende-id"]).value)
    wb.save(sheet)
    return case_id


def test_the_first_real_term_as_the_guide_says(tmp_path: Path) -> None:
    copy = _fresh_copy(tmp_path)
    blocks = guide_blocks()
    assert blocks == EXPECTED
    # 0. the demo
    _run(blocks[0], copy)
    assert (copy / "reports" / "2025HT" / "terminsrapport-2025HT.pdf").is_file()
    _commit(copy)
    _run("make report", copy)  # nothing changed: nothing runs, nothing in git changes
    assert _git_changes(copy) == []
    # 1. remove the demo, 2. add the term
    _run(blocks[1], copy)
    params = yaml.safe_load((copy / "params.yaml").read_text(encoding="utf-8"))
    assert params["terms"] == {} and params["years"] == {}
    out = _run(blocks[2], copy)
    assert "data/raw/2026VT/svedala__lifecare.<csv|xlsx>" in out
    # 3. exports in place, 4. run
    _put_exports_in_place(copy, "2026VT")
    _run(blocks[3], copy)
    report = copy / "reports" / "2026VT" / "terminsrapport-2026VT.pdf"
    assert report.is_file()
    assert not (copy / "reports" / "2025HT").exists()
    # 5. code in the sheet, run again
    case_id = _code_one_case(copy, "2026VT")
    _run(blocks[4], copy)
    coded = pd.read_parquet(copy / "data" / "processed" / "2026VT" / "coded_cases.parquet")
    assert coded.set_index("case_id").loc[case_id, "coding"] == "manuell"
    _commit(copy)
    _run("make report", copy)
    assert _git_changes(copy) == []
    # 7. the health check passes on a project holding only a real term
    _run(blocks[5], copy)
