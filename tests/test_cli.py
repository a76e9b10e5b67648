from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from conftest import ROOT
from identity import pnr
from typer.testing import CliRunner

from samverkan.cli import app, guarded
from samverkan.project.errors import InputError


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "code", "coding-sheet", "publish", "check-leaks", "run-notebook"):
        assert command in result.output
    # the demo and the benchmarks are not the product
    for command in ("demo-data", "demo-coding", "bench-deid", "bench-coding", "bench-ingest"):
        assert command not in result.output


def test_python_dash_m_samverkan_works() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "samverkan", "--help"], capture_output=True, text=True, cwd=ROOT
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
        raise ValueError(f"could not convert 'Anna Svensson {pnr('19121212', 121)}'")

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


def test_commands_work_from_another_folder(tmp_path: Path) -> None:
    # Run from a folder outside the project: the project is found from the package.
    raw = tmp_path / "raw"
    raw.mkdir(mode=0o700)  # private, as raw data must be (else ingest warns)
    (raw / "helsingborg__form.csv").write_bytes(
        "\ufeffInkommet,Kommun,Berörda aktörer,Beskrivning,Vad hände sedan,Anmälarens roll\r\n"
        "2025-09-01,Helsingborg,BUP,Ingen återkoppling efter SIP.,,Personligt ombud\r\n".encode()
    )
    env = {k: v for k, v in os.environ.items() if k != "SAMVERKAN_ROOT"}
    proc = subprocess.run(
        [sys.executable, "-m", "samverkan", "ingest", "--term", "2025HT", "--raw-dir", "raw",
         "--out-dir", "out", "--quarantine-dir", "q"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "cases.parquet").is_file()
    assert "1 fall" in proc.stdout


def test_no_project_root_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from samverkan.project import paths

    monkeypatch.delenv("SAMVERKAN_ROOT", raising=False)
    with pytest.raises(paths.NoProjectRoot):
        paths.project_root(tmp_path)  # an explicit start has no fallback

    @guarded
    def command() -> None:
        paths.project_root(tmp_path)

    with pytest.raises(typer.Exit) as exit_info:
        command()
    assert exit_info.value.exit_code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SAMVERKAN_ROOT" in err and str(tmp_path) in err


def test_a_broken_workbook_gets_exactly_one_line(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir(mode=0o700)  # private, as raw data must be (else ingest warns)
    (raw / "region-skane__ritz.xlsx").write_bytes(bytes(range(256)) * 8)
    (raw / "region-skane__ritz.xlsx").chmod(0o600)
    proc = subprocess.run(
        [sys.executable, "-m", "samverkan", "ingest", "--term", "2025HT", "--raw-dir", "raw",
         "--out-dir", "out", "--quarantine-dir", "q"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "region-skane__ritz.xlsx" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["--help"], ["ingest", "--help"], ["new-term", "--help"]])
def test_help_is_swedish_including_typers_own_words(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "samverkan", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0
    for english in ("Show this message", "Usage:", "Options", "Commands", "<bool>", "[OPTIONS]"):
        assert english not in proc.stdout, english
    assert "Användning:" in proc.stdout and "Visa den här hjälpen och avsluta." in proc.stdout


@pytest.mark.parametrize(
    ("args", "swedish"),
    [
        (["ingest"], "Flaggan saknas: '--term'"),
        (["ingest", "--term", "2025HT", "--nej"], "Flaggan finns inte: --nej"),
        (["finns-inte"], "Kommandot 'finns-inte' finns inte."),
    ],
)
def test_a_mistyped_command_line_is_answered_in_swedish(args: list[str], swedish: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "samverkan", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2
    assert swedish in proc.stderr and "Användning:" in proc.stderr
