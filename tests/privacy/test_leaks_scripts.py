"""The pre-commit hooks of scripts/: staged leaks and large files."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT

from samverkan.privacy.leaks import Finding
from samverkan.project.errors import InputError


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_large_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hook = _script("check_large_files")
    small, big = tmp_path / "small.csv", tmp_path / "big.parquet"
    small.write_bytes(b"x" * 10)
    big.write_bytes(b"x" * (hook.LIMIT + 1))
    assert hook.main([str(small), str(tmp_path / "gone.txt")]) == 0
    assert hook.main([str(small), str(big)]) == 1
    err = capsys.readouterr().err
    assert err == f"{big}: större än 1000 kB. Lägg data i DVC i stället för i git\n"


def test_staged_leaks_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = _script("check_staged_leaks")
    monkeypatch.setattr(hook, "scan_staged", lambda root: [])
    assert hook.main() == 0
    finding = Finding("notes.md", "rad 1", "telefon", "07*-*** ** 67")
    monkeypatch.setattr(hook, "scan_staged", lambda root: [finding])
    assert hook.main() == 1
    err = capsys.readouterr().err
    assert "notes.md: rad 1: telefon: 07*-*** ** 67" in err
    assert "Ta bort personuppgifterna" in err

    def broken(root: Path) -> list[Finding]:
        raise InputError("config/leaks.yaml", "är inte giltig YAML", "Rätta filen")

    monkeypatch.setattr(hook, "scan_staged", broken)
    assert hook.main() == 2
    assert "config/leaks.yaml: är inte giltig YAML" in capsys.readouterr().err


def test_staged_leaks_scans_this_project(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = _script("check_staged_leaks")
    seen: list[Path] = []
    monkeypatch.setattr(hook, "scan_staged", lambda root: seen.append(root) or [])
    hook.main()
    assert seen == [ROOT]


def test_large_files_measures_the_staged_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big file staged, then emptied in the working tree: the commit would hold the big
    one, so it is refused."""
    import subprocess

    hook = _script("check_large_files")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    data = tmp_path / "cases.parquet"
    data.write_bytes(b"x" * (hook.LIMIT + 1))
    subprocess.run(["git", "-C", str(tmp_path), "add", "cases.parquet"], check=True)
    data.write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    assert hook.too_big(["cases.parquet"]) == ["cases.parquet"]
    assert hook.staged_size("cases.parquet") == hook.LIMIT + 1
    assert hook.staged_size("missing.txt") is None
