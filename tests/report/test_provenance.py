from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from samverkan.report.provenance import collect, generated_at, provenance_table, raw_files

ORGS = """organisations:
  svedala:
    name: Svedala kommun
    kind: kommun
    systems:
      lifecare: ["Avvikelse extern aktör"]
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "organisations.yaml").write_text(ORGS, encoding="utf-8")
    term = tmp_path / "data" / "raw" / "2025HT"
    term.mkdir(parents=True)
    return term


def test_raw_files_are_named_by_organisation_system_and_hash(tmp_path: Path) -> None:
    term = _project(tmp_path)
    (term / "svedala__lifecare.csv").write_bytes(b"a;b\n1;2\n")
    (term / "README.md").write_text("not an export")
    (term / ".gitkeep").write_text("")
    rows = raw_files(tmp_path, ["2025HT", "2024VT"])
    assert rows == [
        {
            "term": "2025HT",
            "organisation": "svedala",
            "organisation_name": "Svedala kommun",
            "system": "lifecare",
            "file": "2025HT svedala lifecare",
            "bytes": 8,
            "sha256": hashlib.sha256(b"a;b\n1;2\n").hexdigest(),
        }
    ]
    table = provenance_table(tmp_path, ["2025HT"])
    assert list(table.columns) == ["Termin", "Organisation", "System", "Storlek (byte)", "SHA-256"]
    assert table.iloc[0].tolist()[:3] == ["2025HT", "Svedala kommun", "lifecare"]


@pytest.mark.parametrize(
    "name",
    [
        "Anna Andersson.csv",  # a person's name, no pattern at all
        "anna__andersson.csv",  # the pattern, but no such organisation
        "svedala__anna.xlsx",  # a known organisation, no such system
        "Lisa_Nilsson_190101.xlsx",
        "svedala_lifecare.csv",  # a near miss
    ],
)
def test_a_file_not_named_as_a_known_export_is_only_unknown_and_its_hash(
    tmp_path: Path, name: str
) -> None:
    term = _project(tmp_path)
    (term / name).write_bytes(b"x;y\n")
    (row,) = raw_files(tmp_path, ["2025HT"])
    assert row["organisation_name"] == "okänd fil" and row["system"] == ""
    assert row["sha256"] == hashlib.sha256(b"x;y\n").hexdigest()
    stem = name.rsplit(".", 1)[0].casefold()
    shown = " ".join(str(v) for v in row.values()).casefold()
    assert stem not in shown and "anna" not in shown and "nilsson" not in shown
    table = provenance_table(tmp_path, ["2025HT"]).to_csv().casefold()
    assert stem not in table


def test_without_an_organisation_list_no_file_name_is_trusted(tmp_path: Path) -> None:
    term = tmp_path / "data" / "raw" / "2025HT"
    term.mkdir(parents=True)
    (term / "svedala__lifecare.csv").write_bytes(b"a\n")
    (row,) = raw_files(tmp_path, ["2025HT"])
    assert row["organisation_name"] == "okänd fil"


def test_source_date_epoch_fixes_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    assert generated_at().isoformat() == "2025-01-01T00:00:00+00:00"


def test_codebook_version_is_read_from_the_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "codebook.yaml").write_text("version: '2025.2'\n", encoding="utf-8")
    info = collect(tmp_path, ["2025HT"])
    assert info["codebook"]["version"] == "2025.2"
    assert len(info["codebook"]["sha256"]) == 64
    assert info["terms"] == ["2025HT"] and info["raw_files"] == []


def test_the_code_version_is_the_last_commit_of_the_inputs_not_of_dvc_lock(tmp_path) -> None:
    """A run rewrites dvc.lock and a commit of it follows: neither changes what the reports
    say they were built from."""
    import subprocess

    from samverkan.report.provenance import code_version

    def git(*args: str) -> str:
        env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "analytiker",
               "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "analytiker",
               "PATH": "/usr/bin:/bin"}  # fmt: skip
        return subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()  # fmt: skip

    git("init", "-q")
    (tmp_path / "params.yaml").write_text("a: 1\n")
    (tmp_path / "dvc.lock").write_text("x\n")
    git("add", "-A")
    git("commit", "-qm", "inputs")
    inputs = git("log", "-1", "--format=%h", "--abbrev=10")
    assert code_version(tmp_path).endswith(f"+{inputs}")
    (tmp_path / "dvc.lock").write_text("y\n")  # the run rewrites it: still clean
    assert code_version(tmp_path).endswith(f"+{inputs}")
    git("commit", "-qam", "dvc.lock")  # committing the lock: the same inputs
    assert code_version(tmp_path).endswith(f"+{inputs}")
    (tmp_path / "params.yaml").write_text("a: 2\n")
    assert code_version(tmp_path).endswith(f"+{inputs}-dirty")
