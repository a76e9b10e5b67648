"""Project hygiene: pins agree, notebooks are thin and stripped, DVC deps exist."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import DEMO_PARAMS, ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _pins_from_pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    return dict(d.split("==", 1) for d in deps)


def _pins_from_environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return dict(p.split("==", 1) for p in pip if "==" in p)


def test_every_dependency_is_pinned_exactly() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    assert deps and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][\w.]*", d) for d in deps), deps


def test_environment_yml_agrees_with_pyproject() -> None:
    assert _pins_from_environment() == _pins_from_pyproject()
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_there_are_four_stage_notebooks() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_stripped_and_parameterised(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "samverkan"
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    # literal values only in the parameters cell
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.Assign), ast.dump(node)
        ast.literal_eval(node.value)
    for cell in code:
        assert not cell.get("outputs"), "notebooks are committed without outputs"
        assert cell.get("execution_count") is None
        tree = ast.parse(cell.source)
        defs = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda)
        ]
        assert not defs, "logic belongs in samverkan/, not in notebooks"
        assert "sys.path" not in cell.source


def test_dvc_dependencies_exist_in_the_tree() -> None:
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
    for name, stage in dvc["stages"].items():
        for dep in stage["do"]["deps"]:
            if "${" in dep:
                continue
            assert (ROOT / dep).exists(), f"{name}: dependency {dep} is missing"


def test_the_demo_params_compare_with_known_terms() -> None:
    params = yaml.safe_load(DEMO_PARAMS.read_text(encoding="utf-8"))
    terms = params["terms"]
    for term, spec in terms.items():
        assert re.fullmatch(r"\d{4}(VT|HT)", term)
        assert spec["compare"] in terms
    for year, spec in params["years"].items():
        assert f"{year}VT" in terms and f"{year}HT" in terms
        assert spec["compare"] in params["years"]


def test_raw_data_is_ignored_by_git() -> None:
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8")
    for line in ("/data/raw/*", "/data/quarantine/"):
        assert line in ignore.splitlines()


def test_dvc_files_are_not_ignored_by_git() -> None:
    # `dvc repro` refuses to run when dvc.lock is git-ignored ("'dvc.lock' is git-ignored").
    patterns = [
        line.strip().lstrip("/")
        for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    for name in ("dvc.lock", "dvc.yaml", "params.yaml", ".dvc/config"):
        hits = [p for p in patterns if fnmatch.fnmatch(name, p) or name.startswith(p)]
        assert not hits, (name, hits)


def test_constraints_lock_agrees_with_the_pins() -> None:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    locked = {
        name.lower().replace("_", "-"): version
        for name, version in (line.split("==", 1) for line in lines if "==" in line)
    }
    for name, version in _pins_from_pyproject().items():
        assert locked.get(name.lower().replace("_", "-")) == version, name
