"""The scale benchmark: its synthetic world, its stages, its table and JSON (no timings
are asserted)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
import yaml
from conftest import CONFIG
from openpyxl import load_workbook
from samverkan_dev.bench import scale
from samverkan_dev.bench.scale_data import TERMS, _fill, write_scale_project
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scale")
    assert write_scale_project(root, 400, CONFIG) == 400
    return root


def _descriptions(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        header = list(rows[1])
        return [str(r[header.index("Händelsebeskrivning")]) for r in rows[2:]]
    system = path.stem.split("__")[1]
    sep = "," if system == "form" else ";"
    enc = "cp1252" if system == "lifecare" else "utf-8-sig"
    frame = pd.read_csv(path, sep=sep, encoding=enc, dtype=str)
    column = {"lifecare": "Händelsebeskrivning"}.get(system, "Beskrivning")
    return frame[column].tolist()


def test_the_world_has_twenty_terms_thirty_organisations_and_all_systems(world: Path) -> None:
    assert sorted(p.name for p in (world / "raw").iterdir()) == sorted(TERMS)
    assert len(TERMS) == 20
    orgs = yaml.safe_load((world / "config" / "organisations.yaml").read_text("utf-8"))
    assert len(orgs["organisations"]) == 30
    systems = {p.stem.split("__")[1] for p in (world / "raw").glob("*/*")}
    assert systems == {"lifecare", "prorenata", "ritz", "form"}


def test_texts_are_distinct_and_some_carry_personal_data(world: Path) -> None:
    texts = [t for p in sorted((world / "raw").glob("*/*")) for t in _descriptions(p)]
    kommun = [t for p in (world / "raw").glob("*/kommun-*") for t in _descriptions(p)]
    assert len(texts) == 400
    assert len(set(kommun)) == len(kommun)  # the region's copies repeat a kommun's text
    lengths = [len(t) for t in texts]
    assert min(lengths) >= 80 and sum(lengths) / len(lengths) >= 200
    planted = [t for t in texts if re.search(r"\d{8}-\d{4}|@|\d{3}-\d{5}|gatan \d", t)]
    assert planted


def test_no_slot_is_left_unfilled(world: Path) -> None:
    # a filled word may itself hold a slot ("hade avslutats hos {other}")
    assert _fill("Brukaren {w}.", {"w": "hade avslutats hos {other}", "other": "BUP"}) == (
        "Brukaren hade avslutats hos BUP."
    )
    texts = [t for p in sorted((world / "raw").glob("*/*")) for t in _descriptions(p)]
    assert not [t for t in texts if re.search(r"\{\w+\}", t)]


def test_stages_run_and_the_table_is_swedish(world: Path) -> None:
    """The ingest links reports of both parties; coding reads what ingest wrote."""
    figures = {name: scale.run_stage(name, world) for name in scale.STAGES}
    assert figures["ingest"]["cases"] == 400
    assert figures["floor"]["cases"] == 400
    recon = [pd.read_csv(p) for p in (world / "processed").glob("*/reconciliation.csv")]
    total = sum(int(r.iloc[-1]["duplicates"]) for r in recon)
    assert total > 0  # some incidents were reported by both parties
    # every row is usable: headers and values line up (an added column once shifted the
    # identity numbers under the feedback date, and the ingest quarantined those rows)
    assert sum(int(r.iloc[-1]["quarantined"]) for r in recon) == 0
    cases = pd.concat(pd.read_parquet(p) for p in (world / "processed").glob("*/cases.parquet"))
    assert cases["has_outcome"].any() and cases["feedback_date"].notna().any()
    assert 0 < figures["coding"]["cases"] < 400
    results = [
        scale.StageResult(n, int(f["cases"]), max(f["seconds"], 1e-6), 100.0, f["cpu_seconds"])
        for n, f in figures.items()
    ]
    table = scale.format_table(results)
    assert "Steg" in table and "Gånger golvet" in table and "inläsning" in table
    data = scale.as_json(results)
    assert set(data["stages"]) == {"floor", "ingest", "coding"}
    assert set(data["stages"]["ingest"]) >= {"cases", "seconds", "peak_mb", "floor_ratio"}
    assert data["stages"]["floor"]["floor_ratio"] == 1.0


def test_measure_runs_a_stage_in_its_own_process(world: Path) -> None:
    result = scale.measure("floor", world)
    assert result.cases == 400 and result.seconds > 0 and result.peak_mb > 10


def test_the_memory_sampler_counts_a_grandchild_found_after_it_started() -> None:
    """The tree is looked up again while sampling: a worker of a worker that starts late
    and holds 300 MB is in the sum."""
    script = (
        "import subprocess, sys, time; time.sleep(0.3); "
        "p = subprocess.Popen([sys.executable, '-c', "
        "'import time; b = bytes(300 * 2**20) + b\"x\"; time.sleep(5)']); "
        "time.sleep(5); p.kill()"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        sampler, peak = scale._TreeSampler(psutil.Process(child.pid)), 0
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and peak < 300 * 2**20:
            peak = max(peak, sampler.rss())
            time.sleep(0.02)
    finally:
        for descendant in psutil.Process(child.pid).children(recursive=True):
            descendant.kill()  # not left holding its 300 MB after the test
        child.kill()
        child.wait()
    assert len(sampler.procs) == 2
    assert peak >= 300 * 2**20


def test_product_command_points_to_the_dev_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from samverkan.cli import app

    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = CliRunner().invoke(app, ["bench", "--cases", "10"])
    assert result.exit_code == 1
    assert "utvecklingspaketet" in result.output and "Traceback" not in result.output
