from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from samverkan.report.provenance import collect, generated_at, provenance_table, raw_files


def test_raw_files_are_the_exports_with_their_hashes(tmp_path: Path) -> None:
    term = tmp_path / "data" / "raw" / "2025HT"
    term.mkdir(parents=True)
    (term / "svedala__lifecare.csv").write_bytes(b"a;b\n1;2\n")
    (term / "README.md").write_text("not an export")
    (term / "notes.csv").write_text("no double underscore")
    rows = raw_files(tmp_path, ["2025HT", "2024VT"])
    assert rows == [
        {
            "file": "2025HT/svedala__lifecare.csv",
            "bytes": 8,
            "sha256": hashlib.sha256(b"a;b\n1;2\n").hexdigest(),
        }
    ]
    table = provenance_table(tmp_path, ["2025HT"])
    assert list(table.columns) == ["Rådatafil", "Storlek (byte)", "SHA-256"]
    assert table.iloc[0]["Rådatafil"] == "2025HT/svedala__lifecare.csv"


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
