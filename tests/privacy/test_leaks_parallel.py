"""The leak scan over the cores finds what one process finds, in the same order, with the
unreadable parts counted the same way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from identity import pnr

from samverkan.privacy import leaks
from samverkan.privacy.leaks import scan_paths

PNR = pnr()
PHONE = " ".join(("070", "123", "45", "67"))  # parts: no literal number in the source
MAIL = "@".join(("anna.svensson", "example.se"))


def _outputs(root: Path) -> None:
    (root / "a").mkdir()
    (root / "a" / "rapport.html").write_text(f"<p>Gäller {PNR}</p>", encoding="utf-8")
    (root / "a" / "ren.csv").write_text("fall;antal\nx;3\n", encoding="utf-8")
    (root / "b.json").write_text(f'{{"text": "ring {PHONE}"}}', encoding="utf-8")
    (root / "c.xlsx").write_bytes(b"PK\x03\x04 not a workbook")  # unreadable
    (root / "stor.txt").write_text("inga uppgifter här\n" * 5000, encoding="utf-8")
    (root / "d.txt").write_text(f"mejla {MAIL} eller {PNR}", encoding="utf-8")


_PIDS: list[Path] = []  # where the scanning processes note their ids (set before forking)
_scan_file = leaks.scan_file


def _noting_scan_file(path, *args, **kwargs):  # type: ignore[no-untyped-def]
    with _PIDS[0].open("a") as fh:
        fh.write(f"{os.getpid()}\n")
    return _scan_file(path, *args, **kwargs)


def _run(root: Path, skipped: list[str] | None) -> list[tuple[str, str, str]]:
    return [(f.file, f.kind, f.masked) for f in scan_paths([root], None, skipped=skipped)]


def test_parallel_scan_equals_the_serial_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _outputs(tmp_path)
    monkeypatch.setenv("SAMVERKAN_WORKERS", "1")
    serial, serial_skipped = _run(tmp_path, None), []
    serial_apart = _run(tmp_path, serial_skipped)
    assert serial and serial_skipped  # findings and an unreadable file to compare

    _PIDS[:] = [tmp_path.parent / f"{tmp_path.name}-pids.txt"]
    monkeypatch.setattr(leaks, "scan_file", _noting_scan_file)
    monkeypatch.setattr(leaks, "PARALLEL_BYTES", 0)
    monkeypatch.setenv("SAMVERKAN_WORKERS", "2")
    parallel_skipped: list[str] = []
    assert _run(tmp_path, None) == serial
    assert _run(tmp_path, parallel_skipped) == serial_apart
    assert parallel_skipped == serial_skipped
    pids = set(_PIDS[0].read_text().split())
    assert pids and str(os.getpid()) not in pids  # every file was scanned in a worker
