"""Atomic writes: whole files or the old one untouched; stale temporaries cleaned; file-
system errors as one Swedish line naming the path."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samverkan.project import atomic
from samverkan.project.atomic import (
    atomic_path,
    clean_stale_temporaries,
    is_temporary,
    write_atomic,
    write_bytes_atomic,
    write_text_atomic,
)
from samverkan.project.errors import InputError, WriteError, explain_os_error


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if is_temporary(p))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "cases.parquet"
    target.write_bytes(b"old")

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        write_atomic(target, broken)
    assert target.read_bytes() == b"old"
    assert _temporaries(tmp_path) == []


def test_temporaries_carry_the_writers_pid_and_are_recognised(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "terminsrapport-2025HT.pdf") as tmp:
        assert tmp.name.startswith(f".terminsrapport-2025HT.{os.getpid()}-")
        assert tmp.name.endswith(".tmp.pdf") and is_temporary(tmp)
    assert is_temporary(".kodning.abcd1234.tmp.xlsx")  # an older version's name
    assert not is_temporary("terminsrapport-2025HT.pdf")
    assert not is_temporary(".gitkeep")


def test_a_killed_runs_zero_byte_temporary_is_removed_by_the_next_write(tmp_path: Path) -> None:
    stale = tmp_path / f".terminsrapport-2025HT.{_dead_pid()}-k9x2ab7q.tmp.pdf"
    legacy = tmp_path / ".terminsrapport-2025HT.ab12cd34.tmp.pdf"
    other_target = tmp_path / f".arsrapport-2025.{_dead_pid()}-k9x2ab7q.tmp.pdf"
    for path in (stale, legacy, other_target):
        path.write_bytes(b"")
    write_bytes_atomic(tmp_path / "terminsrapport-2025HT.pdf", b"%PDF-1.7")
    assert not stale.exists() and not legacy.exists()
    assert other_target.exists()  # another target's: left to its own write or a stage start
    assert clean_stale_temporaries(tmp_path) == [other_target]
    assert _temporaries(tmp_path) == []


def test_a_running_writers_temporary_is_left_alone(tmp_path: Path) -> None:
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_path / f".cases.{alive.pid}-abcdefgh.tmp.parquet"
        busy.write_bytes(b"in progress")
        with atomic_path(tmp_path / "cases.parquet") as mine:
            # our own write in progress is not stale either
            assert clean_stale_temporaries(tmp_path) == []
            assert mine.exists()
        assert busy.exists()
    finally:
        alive.kill()
        alive.wait()
    assert clean_stale_temporaries(tmp_path) == [busy]


def test_only_files_are_removed_never_folders_or_links(tmp_path: Path) -> None:
    pid = _dead_pid()
    folder = tmp_path / f".cases.{pid}-abcdefgh.tmp.parquet"
    folder.mkdir()
    outside = tmp_path / "keep.txt"
    outside.write_text("keep")
    link = tmp_path / f".cases.{pid}-hgfedcba.tmp.parquet"
    link.symlink_to(outside)
    assert clean_stale_temporaries(tmp_path) == []
    assert folder.is_dir() and link.is_symlink() and outside.read_text() == "keep"


def test_disk_full_in_replace_gives_one_line_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "reconciliation.csv"
    target.write_text("old", encoding="utf-8")

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    with pytest.raises(WriteError) as info:
        write_text_atomic(target, "new")
    assert isinstance(info.value, InputError)
    assert str(info.value).startswith(f"{target}: kunde inte skrivas: disken är full")
    assert "Frigör utrymme" in str(info.value) and "\n" not in str(info.value)
    assert target.read_text(encoding="utf-8") == "old"
    assert _temporaries(tmp_path) == []


def test_disk_full_in_os_write_gives_one_line_and_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "agreement.json"
    target.write_text('{"old": 1}', encoding="utf-8")
    real_write = os.write

    def write_then_full(fd: int, data: bytes) -> int:
        real_write(fd, data[:3])
        raise OSError(errno.ENOSPC, "No space left on device")

    def write(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY)
        try:
            monkeypatch.setattr(atomic.os, "write", write_then_full)
            os.write(fd, b'{"new": 2}')
        finally:
            os.close(fd)

    with pytest.raises(WriteError, match="disken är full"):
        write_atomic(target, write)
    assert target.read_text(encoding="utf-8") == '{"old": 1}'
    assert _temporaries(tmp_path) == []


def test_a_read_only_folder_gives_one_line_naming_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> object:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    target = tmp_path / "kodning.xlsx"
    with pytest.raises(WriteError) as info:
        write_bytes_atomic(target, b"x")
    assert str(info.value) == (
        f"{target}: kunde inte skrivas: mappen ligger på en skrivskyddad disk (den tidigare "
        "versionen är orörd). Kör projektet från en skrivbar mapp eller montera disken skrivbar"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_a_folder_without_write_permission_gives_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "terminsrapport-2025HT.html").write_text("old", encoding="utf-8")
    folder.chmod(0o500)
    try:
        with pytest.raises(WriteError, match="saknar behörighet"):
            write_text_atomic(folder / "terminsrapport-2025HT.html", "new")
    finally:
        folder.chmod(0o700)
    assert (folder / "terminsrapport-2025HT.html").read_text(encoding="utf-8") == "old"


def test_an_error_about_another_file_is_not_called_a_write_error(tmp_path: Path) -> None:
    def reads_elsewhere(tmp: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/somewhere/else.csv")

    with pytest.raises(PermissionError):
        write_atomic(tmp_path / "cases.parquet", reads_elsewhere)
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "cases.parquet", lambda p: open("/no/such/file"))


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "disken är full"),
        (errno.EDQUOT, "diskkvoten är slut"),
        (errno.EROFS, "skrivskyddad disk"),
        (errno.EACCES, "saknar behörighet"),
        (errno.EPERM, "inte tillåten"),
        (errno.ENAMETOOLONG, "för långt"),
        (errno.EIO, "skrivfel på disken"),
    ],
)
def test_explain_os_error_names_the_path_problem_and_fix(code: int, words: str) -> None:
    line = explain_os_error(OSError(code, "english text", "reports/2025HT/x.pdf"))
    assert line is not None and line.startswith("reports/2025HT/x.pdf: ")
    assert words in line and "english text" not in line and "\n" not in line


def test_explain_os_error_never_shows_an_unvalidated_raw_file_name() -> None:
    line = explain_os_error(PermissionError(errno.EACCES, "x", "data/raw/2025HT/Anna Berg.csv"))
    assert line is not None and line.startswith("data/raw/2025HT/(okänd fil): ")
    assert "Anna" not in line
    ok = explain_os_error(PermissionError(errno.EACCES, "x", "data/raw/2025HT/svedala__form.csv"))
    assert ok is not None and ok.startswith("data/raw/2025HT/svedala__form.csv: ")
    assert explain_os_error(FileNotFoundError(errno.ENOENT, "x", "a")) is None
    assert explain_os_error(ValueError("x")) is None


def test_every_command_start_removes_what_killed_runs_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DVC may restore a killed stage from its cache without running it: the leftovers
    are removed at the start of the next command, not only by a write."""
    import logging
    import tempfile

    from typer.testing import CliRunner

    from samverkan.cli import app

    system_tmp = tmp_path / "tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    project = tmp_path / "projekt"
    pid = _dead_pid()
    stale = [
        project / "reports" / "2025HT" / "notebooks" / f".02_code.{pid}-abcdefgh.tmp.ipynb",
        project / "data" / "processed" / "2025HT" / f".cases.{pid}-abcdefgh.tmp.parquet",
        project / "data" / "coding" / "2025HT" / ".kodning.abcdefgh.tmp.xlsx",
    ]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    kernel = system_tmp / f"samverkan-kernel-{pid}-abcdefgh"
    kernel.mkdir()
    os.utime(kernel, (1, 1))
    keep = project / "data" / "raw" / "2025HT" / f".svedala__form.{pid}-abcdefgh.tmp.csv"
    keep.parent.mkdir(parents=True)
    keep.write_bytes(b"")  # data/raw is never touched
    try:  # any command: this one stops (no params.yaml) after the start-up clean-up
        CliRunner().invoke(app, ["check-params"], env={"SAMVERKAN_ROOT": str(project)})
    finally:
        logging.basicConfig(handlers=[logging.NullHandler()], force=True)
    assert not any(p.exists() for p in stale) and not kernel.exists()
    assert keep.exists()
