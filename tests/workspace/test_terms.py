"""new-term and remove-demo edit params.yaml as text (comments kept) and the folders."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from samverkan.project.errors import InputError
from samverkan.workspace.params_check import check_params
from samverkan.workspace.terms import expected_exports, new_term, remove_demo

DEMO_TERMS = ["2024VT", "2024HT", "2025VT", "2025HT"]


def _demo_project(project: Path) -> Path:
    raw = project / "data" / "raw"
    for term in DEMO_TERMS:
        (raw / term).mkdir(parents=True)
        (raw / term / "svedala__lifecare.csv").write_text("x\n", encoding="utf-8")
        for zone in ("processed", "coding"):
            (project / "data" / zone / term).mkdir(parents=True)
            (project / "data" / zone / term / "fil").write_text("x", encoding="utf-8")
    (raw / "demo-facit").mkdir()
    (raw / ".demo-planted.json").write_text(json.dumps({"terms": DEMO_TERMS}), "utf-8")
    (project / "data" / "group" / "2025").mkdir(parents=True)
    (project / "data" / "group" / "uppfoljning.csv").write_text(
        "# DEMO: påhittat\når,förslag_id,förslag,status,kommentar\n2024,a,b,c,DEMO\n", "utf-8"
    )
    return project


def _params(project: Path) -> dict:
    return yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))


def test_new_term_compares_with_the_same_term_last_year(tiny_project: Path) -> None:
    compare, exports = new_term(tiny_project, "2026VT")
    assert compare == "2025VT"
    assert _params(tiny_project)["terms"]["2026VT"] == {"compare": "2025VT"}
    assert "# Terms to build" in (tiny_project / "params.yaml").read_text("utf-8")  # comments kept
    raw = tiny_project / "data" / "raw" / "2026VT"
    assert raw.is_dir() and stat.S_IMODE(raw.stat().st_mode) == 0o700
    assert "data/raw/2026VT/svedala__lifecare.<csv|xlsx>" in {e.path for e in exports}
    assert len(exports) == len(expected_exports(tiny_project, "2026VT")) >= 10


def test_new_term_without_a_year_before_writes_no_comparison_explicitly(
    tiny_project: Path,
) -> None:
    compare, _ = new_term(tiny_project, "2030HT")
    assert compare == "2030HT"
    text = (tiny_project / "params.yaml").read_text("utf-8")
    assert "2030HT: {compare: 2030HT}  # ingen jämförelse" in text


@pytest.mark.parametrize(
    ("term", "match"), [("2026-VT", "ingen termin"), ("2025HT", "finns redan")]
)
def test_new_term_refuses_a_typo_or_a_known_term(tiny_project: Path, term: str, match: str) -> None:
    before = (tiny_project / "params.yaml").read_text("utf-8")
    with pytest.raises(InputError, match=match):
        new_term(tiny_project, term)
    assert (tiny_project / "params.yaml").read_text("utf-8") == before


def test_remove_demo_leaves_a_project_ready_for_new_term(tiny_project: Path) -> None:
    project = _demo_project(tiny_project)
    removed = remove_demo(project)
    assert "data/raw/2025HT" in removed and "data/raw/.demo-planted.json" in removed
    params = _params(project)
    assert params["terms"] == {} and params["years"] == {}
    assert not any((project / "data" / "raw").iterdir())
    assert not (project / "data" / "coding" / "2024VT").exists()
    assert not (project / "data" / "group" / "2025").exists()
    log = (project / "data" / "group" / "uppfoljning.csv").read_text("utf-8")
    assert "DEMO" not in log and log.startswith("år,förslag_id")
    assert check_params(project) == []
    new_term(project, "2026VT")
    assert check_params(project) == []
    assert list(_params(project)["terms"]) == ["2026VT"]


def test_remove_demo_refuses_real_data_and_removes_nothing(tiny_project: Path) -> None:
    project = _demo_project(tiny_project)
    (project / "data" / "raw" / "2026VT").mkdir()
    with pytest.raises(InputError, match="inte är demons: 2026VT"):
        remove_demo(project)
    assert (project / "data" / "raw" / "2025HT").is_dir()
    assert list(_params(project)["terms"]) == DEMO_TERMS


def test_remove_demo_refuses_a_project_without_the_demo(tiny_project: Path) -> None:
    with pytest.raises(InputError, match="innehåller inte demodata"):
        remove_demo(tiny_project)
