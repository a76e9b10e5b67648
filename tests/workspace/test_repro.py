"""`samverkan repro`: what to build, how stages are joined into jobs, and a real DVC
project whose two stages can only finish when they run at the same time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from samverkan.workspace.repro import (
    Pipeline,
    _job_needs,
    join_chains,
    pack_levels,
    read_pipeline,
    reproduce,
    to_build,
)

ROOT = Path(__file__).resolve().parents[2]

# Two terms and a report reading both: the shape of the project's dvc.yaml.
UPSTREAM = {
    "ingest@A": set(),
    "sheet@A": {"ingest@A"},
    "code@A": {"ingest@A", "sheet@A"},
    "export@A": {"code@A"},
    "ingest@B": set(),
    "sheet@B": {"ingest@B"},
    "code@B": {"ingest@B", "sheet@B"},
    "report@B": {"code@B", "code@A", "ingest@B"},
}
ORDER = list(UPSTREAM)


def test_a_stale_stage_brings_everything_downstream_and_nothing_else() -> None:
    pipeline = Pipeline(ORDER, UPSTREAM, stale={"sheet@A"})
    assert to_build(pipeline) == ["sheet@A", "code@A", "export@A", "report@B"]
    assert to_build(Pipeline(ORDER, UPSTREAM, stale=set())) == []
    assert to_build(Pipeline(ORDER, UPSTREAM, stale={"report@B"})) == ["report@B"]


def test_a_term_is_one_job_and_the_report_waits_for_both_terms() -> None:
    jobs = join_chains(ORDER, UPSTREAM)
    assert jobs == [
        ["ingest@A", "sheet@A", "code@A", "export@A"],
        ["ingest@B", "sheet@B", "code@B"],
        ["report@B"],
    ]
    assert _job_needs(jobs, UPSTREAM) == [set(), set(), {0, 1}]
    # only what is to be built counts: the report alone is one job that needs nothing
    (job,) = join_chains(["report@B"], UPSTREAM)
    assert _job_needs([job], UPSTREAM) == [set()]


def test_jobs_that_start_at_the_same_point_share_the_processes() -> None:
    upstream = {
        **{f"{stage}@{t}": set() for stage in ("ingest",) for t in "ABC"},
        **{f"code@{t}": {f"ingest@{t}", "ingest@A", "ingest@B", "ingest@C"} for t in "ABC"},
        "report@C": {"code@C", "code@A"},
    }
    jobs = [["ingest@A"], ["ingest@B"], ["ingest@C"], ["code@A"], ["code@B"], ["code@C"]]
    jobs.append(["report@C"])
    packed = pack_levels(jobs, upstream, workers=2)
    assert packed == [
        ["ingest@A", "ingest@C"],
        ["ingest@B"],
        ["code@A", "code@C"],
        ["code@B"],
        ["report@C"],
    ]
    assert _job_needs(packed, upstream) == [set(), set(), {0, 1}, {0, 1}, {2}]
    # one process at a time, or as many processes as jobs: nothing to pack
    assert pack_levels(jobs, upstream, workers=1) == [
        ["ingest@A", "ingest@B", "ingest@C"],
        ["code@A", "code@B", "code@C"],
        ["report@C"],
    ]
    assert pack_levels(jobs[:3], upstream, workers=4) == jobs[:3]


def _stage(script: str, deps: list[str], outs: list[str]) -> dict:
    return {"cmd": f'{sys.executable} -c "{script}"', "deps": deps, "outs": outs}


def _meet(me: str, other: str) -> str:
    """Write ``me``'s start, wait (at most 120 s) for ``other``'s: finishes only when the
    two stages run at the same time."""
    return (
        "import pathlib, time; "
        f"pathlib.Path('{me}.started').touch(); "
        f"ok = any(pathlib.Path('{other}.started').exists() or time.sleep(0.1) "
        "for _ in range(1200)); "
        f"pathlib.Path('{me}.txt').write_text('{me}' if ok else ''); "
        "raise SystemExit(0 if ok else 1)"
    )


def _project(root: Path, stages: dict[str, dict]) -> Path:
    root.mkdir()
    (root / "seed.txt").write_text("1", encoding="utf-8")
    (root / "dvc.yaml").write_text(yaml.safe_dump({"stages": stages}), encoding="utf-8")
    for args in (["init", "--no-scm", "-q"], ["config", "core.analytics", "false"]):
        subprocess.run(
            [sys.executable, "-m", "dvc", *args], cwd=root, check=True, capture_output=True
        )
    return root


JOIN = "import pathlib; pathlib.Path('both.txt').write_text('a+b')"


@pytest.mark.slow
def test_independent_stages_run_side_by_side_and_dvc_records_them(tmp_path: Path) -> None:
    stages = {
        "a": _stage(_meet("a", "b"), ["seed.txt"], ["a.txt"]),
        "b": _stage(_meet("b", "a"), ["seed.txt"], ["b.txt"]),
        "both": _stage(JOIN, ["a.txt", "b.txt"], ["both.txt"]),
    }
    root = _project(tmp_path / "p", stages)
    lines: list[str] = []
    assert reproduce(root, workers=2, echo=lines.append) == 0
    assert (root / "both.txt").read_text() == "a+b"
    assert read_pipeline(root).stale == set()  # dvc.lock holds all three
    assert any("3 steg att köra i 3 jobb, 2 åt gången" in line for line in lines)
    lines.clear()
    assert reproduce(root, workers=2, echo=lines.append) == 0
    assert lines == ["samverkan: alla steg är aktuella, inget att köra"]


@pytest.mark.slow
def test_after_a_failure_nothing_downstream_starts(tmp_path: Path) -> None:
    stages = {
        "a": _stage("raise SystemExit(3)", ["seed.txt"], ["a.txt"]),
        "b": _stage("open('b.txt', 'w').write('b')", ["seed.txt"], ["b.txt"]),
        "both": _stage(JOIN, ["a.txt", "b.txt"], ["both.txt"]),
    }
    root = _project(tmp_path / "p", stages)
    lines: list[str] = []
    assert reproduce(root, workers=2, echo=lines.append) != 0
    assert any(line.startswith("samverkan: a: misslyckades") for line in lines)
    assert not (root / "both.txt").exists()
    assert read_pipeline(root).stale == {"a", "both"}  # b was built and recorded


def _params(root: Path, terms_and_years: str) -> None:
    """The project's params.yaml with other terms and years."""
    real = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    rest = {k: v for k, v in real.items() if k not in ("terms", "years")}
    text = terms_and_years + yaml.safe_dump(rest, allow_unicode=True)
    (root / "params.yaml").write_text(text, encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_problem_in_params_stops_the_build_before_any_stage(tmp_path: Path, workers: int) -> None:
    stages = {"a": _stage("open('a.txt', 'w').write('a')", ["seed.txt"], ["a.txt"])}
    root = _project(tmp_path / "p", stages)
    _params(root, "terms:\n  2026XX: {compare: 2026XX}\nyears: {}\n")
    lines: list[str] = []
    assert reproduce(root, workers=workers, echo=lines.append, check_params=True) == 2
    assert any("params.yaml: terms.2026XX: ingen termin" in line for line in lines)
    assert not (root / "a.txt").exists()
    # without the check, DVC builds it (the check alone stopped it)
    assert reproduce(root, workers=workers, echo=lines.append) == 0
    assert (root / "a.txt").exists()


@pytest.mark.slow
def test_an_empty_section_is_filled_before_dvc_reads_params(tmp_path: Path) -> None:
    stages = {"a": _stage("open('a.txt', 'w').write('a')", ["seed.txt"], ["a.txt"])}
    root = _project(tmp_path / "p", stages)
    _params(root, "terms:\nyears:\n")
    lines: list[str] = []
    assert reproduce(root, workers=2, echo=lines.append, check_params=True) == 0, lines
    assert (root / "params.yaml").read_text(encoding="utf-8").startswith("terms: {}\nyears: {}\n")
    assert any("params.yaml: inga fel" in line for line in lines)
    assert (root / "a.txt").exists()
