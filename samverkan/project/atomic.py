"""Atomic writes: a stage either writes a whole file or leaves the old one untouched."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from samverkan.project.errors import os_error_reason, write_error

if TYPE_CHECKING:
    from openpyxl import Workbook

# The time written into workbooks whose own times say nothing (see workbook_bytes).
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)

log = logging.getLogger(__name__)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# A temporary file beside its target: ``.<stem>.<pid>-<random>.tmp<suffix>`` (the pid of
# the process writing it; files of older versions have no pid). A run killed with SIGKILL
# leaves one behind; it is stale once its process is gone.
TEMPORARY_NAME = re.compile(
    r"^\.(?P<stem>.*)\.(?:(?P<pid>\d+)-)?[A-Za-z0-9_]{8}\.tmp(?P<suffix>\.[^.]+)?$"
)
STALE_AFTER_S = 24 * 3600  # a temporary this old is stale even if its pid was reused
_OURS: set[str] = set()  # temporaries this process is writing now


def is_temporary(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is the name of one of our temporary files (a write in progress or
    left by a killed run): never an output, so the leak scanner may skip it."""
    return TEMPORARY_NAME.match(Path(path).name) is not None


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: state Z (zombie) or X (dead) in /proc/<pid>/stat
        stat_line = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat_line.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])


def _is_stale(path: Path, match: re.Match[str]) -> bool:
    if str(path) in _OURS:
        return False
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        return False  # only regular files we own
    pid = match.group("pid")
    if pid is None or int(pid) == os.getpid():
        return True  # an older version's file, or our pid reused after a kill
    return not _process_alive(int(pid)) or time.time() - info.st_mtime > STALE_AFTER_S


def clean_stale_temporaries(
    folder: str | os.PathLike[str], target: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Remove the temporary files killed runs left in ``folder`` (only those of ``target``
    when given): files of ours whose process is gone. Returns what was removed."""
    folder = Path(folder)
    name = Path(target).name if target is not None else None
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = TEMPORARY_NAME.match(path.name)
        if match is None or not _is_stale(path, match):
            continue
        if name is not None and f"{match.group('stem')}{match.group('suffix') or ''}" != name:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    if removed:
        log.info("tog bort %d kvarlämnade temporära filer i %s", len(removed), folder)
    return removed


def clean_stale_tree(root: str | os.PathLike[str]) -> list[Path]:
    """``clean_stale_temporaries`` in ``root`` and every folder below it (not following
    links), e.g. over the output zones before a leak scan."""
    removed: list[Path] = []
    for folder, dirs, _files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        removed.extend(clean_stale_temporaries(folder))
    return removed


# Our private folders in the system's temporary folder (mode 0700):
# samverkan-<kind>-<pid>-<random>; older versions named the kernel's samverkan-<random>.
_PRIVATE_DIR = re.compile(r"^samverkan-(?:(?P<kind>kernel|publish)-(?P<pid>\d+)-)?[A-Za-z0-9_]{8}$")


@contextmanager
def private_tempdir(kind: str) -> Iterator[Path]:
    """A private (0700) temporary folder ``samverkan-<kind>-<pid>-<random>``, removed on
    exit; one a killed run leaves is recognised and removed by ``clean_stale_tempdirs``."""
    with tempfile.TemporaryDirectory(prefix=f"samverkan-{kind}-{os.getpid()}-") as folder:
        yield Path(folder)


def _stale_tempdir(path: Path, started: float) -> bool:
    """Ours by name, owner and (for an older version's) content, older than this run, and
    its process gone."""
    match = _PRIVATE_DIR.match(path.name)
    if match is None:
        return False
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mtime >= started:
        return False
    pid = match.group("pid")
    if pid is None:  # an older version's kernel folder: only kernel sockets inside
        return all(p.name.startswith("kernel") for p in path.iterdir())
    return int(pid) != os.getpid() and not _process_alive(int(pid))


def clean_stale_tempdirs(started: float | None = None) -> list[Path]:
    """Remove the private temporary folders killed runs of this user left behind."""
    started = time.time() if started is None else started
    removed: list[Path] = []
    for path in Path(tempfile.gettempdir()).glob("samverkan-*"):
        try:
            if not _stale_tempdir(path, started):
                continue
            shutil.rmtree(path)
        except OSError:
            continue
        removed.append(path)
    if removed:
        log.info("tog bort %d kvarlämnade tillfälliga mappar från avbrutna körningar", len(removed))
    return removed


def clean_after_killed_runs(root: str | os.PathLike[str]) -> list[Path]:
    """What a killed run (SIGKILL, power cut) left: stale temporaries in the project's
    output zones and our private temporary folders. Safe while other runs are going."""
    from samverkan.project.paths import ProjectPaths

    paths = ProjectPaths(Path(root))
    removed: list[Path] = []
    for zone in (paths.processed, paths.quarantine, paths.coding, paths.reports, paths.logs):
        if zone.is_dir():
            removed.extend(clean_stale_tree(zone))
    return removed + clean_stale_tempdirs()


def _new_temporary(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.stem}.{os.getpid()}-", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    _OURS.add(tmp)
    return Path(tmp)


def _own_error(exc: OSError, target: Path, tmp: Path | None) -> bool:
    """Whether a file-system error is about the write itself (not some other file)."""
    if os_error_reason(exc) is None:
        return False
    if exc.filename is None:
        return True
    where = Path(os.fsdecode(exc.filename))
    mine = where.parent == target.parent and is_temporary(where)  # e.g. mkstemp's own name
    return where == tmp or mine or target.is_relative_to(where)


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    Stale temporaries of the same target (from a killed run) are removed first. A full
    disk, a read-only folder or a missing permission raises ``WriteError`` naming the
    target; the old file is untouched and no temporary is left.
    """
    target = Path(target)
    tmp_path: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temporaries(target.parent, target)
        tmp_path = _new_temporary(target)
        yield tmp_path
        # mkstemp creates 0600; give the file the permissions a normal write would have,
        # so colleagues on a shared drive can open the sheet and the reports
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except OSError as exc:
        if _own_error(exc, target, tmp_path):
            raise write_error(exc, target) from exc
        raise
    finally:
        if tmp_path is not None:
            _OURS.discard(str(tmp_path))
            with contextlib.suppress(OSError):
                tmp_path.unlink()


def write_atomic(target: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
    return Path(target)


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    return write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    return write_atomic(target, lambda p: p.write_bytes(data))


def workbook_bytes(
    wb: Workbook, *, created: dt.datetime | None = None, modified: dt.datetime | None = None
) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content.

    openpyxl stamps the time of saving into the document properties and into every zip
    entry, so the same sheet saved twice differs byte for byte (and DVC sees a change).
    Here the document times are ``created`` and ``modified`` (default: ``FIXED_TIME``) and
    the zip entries carry ``FIXED_TIME``.
    """
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.created = created or FIXED_TIME
    wb.properties.modified = modified or FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    stamp = FIXED_TIME.timetuple()[:6]
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build_time() -> dt.datetime:
    """Now (UTC), or SOURCE_DATE_EPOCH when set (https://reproducible-builds.org): the time
    written into outputs, so that a reproducible build gives the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
