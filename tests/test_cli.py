from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import app, guarded
from pipeline.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "code", "coding-sheet", "publish", "check-leaks", "demo-data"):
        assert command in result.output


def test_python_dash_m_pipeline_works() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0 and "run-notebook" in proc.stdout


def test_expected_problem_is_one_line_exit_2_without_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @guarded
    def command() -> None:
        raise InputError("data/raw/2025HT/x__lifecare.csv", "unknown organisation 'x'", "Fix")

    with pytest.raises(typer.Exit) as exit_info:
        command()
    assert exit_info.value.exit_code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x__lifecare.csv" in err and "Traceback" not in err


def test_unexpected_error_hides_its_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAMVERKAN_DEBUG", raising=False)

    @guarded
    def command() -> None:
        raise ValueError("could not convert 'Anna Svensson 19121212-1212'")

    with pytest.raises(typer.Exit) as exit_info:
        command()
    assert exit_info.value.exit_code == 1
    err = capsys.readouterr().err
    assert "ValueError" in err and "Anna" not in err and "1212" not in err


def test_publish_of_a_missing_notebook_is_an_input_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["publish", str(tmp_path / "saknas.ipynb"), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "saknas.ipynb" in result.output and "Traceback" not in result.output
