"""Adversarial corpus, faults: a killed run, a full disk, a read-only or forbidden folder,
stale temporaries and kernel folders, a failed stage's record, raw names in logs.

The SIGKILL cases run the demo (one term, no annual report, to stay fast) in a copy of
the project: ``dvc repro`` of a stage is killed (its whole process group) at a seeded
random point of ingest, coding, notebook execution or publishing, then the sequence of
`make report` (``dvc repro``, ``samverkan check-leaks``) must succeed, give the same
outputs as the uninterrupted run (processed data and the sheet byte for byte, the reports'
text) and leave no temporary file, kernel folder or process behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import DEMO_GROUP, DEMO_PARAMS
from conftest import ROOT as REPO
from pypdf import PdfReader

from samverkan.project.atomic import is_temporary
from samverkan.project.logs import FileNameFilter, configure

BIN = Path(sys.executable).parent
TERM = "2024VT"
COPY = ["samverkan", "config", "notebooks", "dvc.yaml", ".dvcignore"]
SEED = 20261201
MARK = "SAMVERKAN_FAULT_CORPUS"
# The phases a kill lands in, with the stage whose forced `dvc repro` is killed. Ten
# kills: ingest 3, coding 3 (sheet 1, code 2), notebook execution 2, publishing 2.
KILLS = [
    "ingest",
    "coding_sheet",
    "code",
    "notebook",
    "publish",
    "ingest",
    "code",
    "notebook",
    "publish",
    "ingest",
]
STAGE = {
    "ingest": f"ingest@{TERM}",
    "coding_sheet": f"coding_sheet@{TERM}",
    "code": f"code@{TERM}",
    "notebook": f"term_report@{TERM}",
    "publish": f"term_report@{TERM}",
}
IS_ROOT = os.geteuid() == 0


@dataclass
class Demo:
    root: Path
    tmpdir: Path
    env: dict[str, str]
    outputs: dict[str, bytes | str] = field(default_factory=dict)
    # phase → its duration (s) in the uninterrupted run
    durations: dict[str, float] = field(default_factory=dict)


def _run(demo: Demo, *cmd: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, *cmd], cwd=demo.root, env=demo.env, capture_output=True, text=True, timeout=600
    )


def _ok(demo: Demo, *cmd: str) -> str:
    proc = _run(demo, *cmd)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} → {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    )
    return proc.stdout + proc.stderr


def _timed(demo: Demo, *cmd: str) -> list[tuple[float, str]]:
    """Run ``cmd``; each output line with the time it appeared."""
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=demo.root,
        env=demo.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = [(time.monotonic() - start, line) for line in proc.stdout]
    lines.append((time.monotonic() - start, "<end>"))
    assert proc.wait() == 0, "".join(line for _, line in lines)
    return lines


# phase → the output line that starts it (dvc prints each command before running it)
TRIGGER = {
    "ingest": "> samverkan run-notebook 01_ingest",
    "coding_sheet": "> samverkan coding-sheet",
    "code": "> samverkan run-notebook 02_code",
    "notebook": "> samverkan run-notebook 03_term_report",
    "publish": "> samverkan publish",
}


def _durations(lines: list[tuple[float, str]]) -> dict[str, float]:
    """How long each phase took in the uninterrupted run (from its trigger line to the
    next command or the end)."""
    marks = [(t, line) for t, line in lines if line.startswith(("> ", "<end>"))]
    found = {}
    for i, (t, line) in enumerate(marks[:-1]):
        for phase, trigger in TRIGGER.items():
            if line.startswith(trigger):
                found[phase] = marks[i + 1][0] - t
    return found


def _content(path: Path) -> bytes | str:
    """A file's bytes; a workbook's cell values (the sheet stage stamps its save time)."""
    if path.suffix != ".xlsx":
        return path.read_bytes()
    from openpyxl import load_workbook

    book = load_workbook(path)
    return repr([(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets])


def _snapshot(root: Path) -> dict[str, bytes | str]:
    """What an uninterrupted run must reproduce: data byte for byte, the reports' text."""
    out: dict[str, bytes | str] = {}
    for zone in ("data/processed", "data/coding", "data/quarantine"):
        for path in sorted((root / zone).rglob("*")):
            if path.is_file() and not is_temporary(path):
                out[path.relative_to(root).as_posix()] = _content(path)
    reports = root / "reports" / TERM
    html = reports / f"terminsrapport-{TERM}.html"
    pdf = reports / f"terminsrapport-{TERM}.pdf"
    out[html.relative_to(root).as_posix()] = html.read_bytes()
    out[pdf.relative_to(root).as_posix()] = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    base = tmp_path_factory.mktemp("fel")
    root, tmpdir = base / "projekt", base / "tmp"
    tmpdir.mkdir()
    for item in COPY:
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, root / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            root.mkdir(exist_ok=True)
            shutil.copy2(src, root / item)
    shutil.copytree(DEMO_GROUP, root / "data" / "group")
    params = DEMO_PARAMS.read_text(encoding="utf-8")
    params = re.sub(
        r"(?m)^terms:\n(?:[ #].*\n)+", f"terms:\n  {TERM}: {{compare: {TERM}}}\n", params
    )
    params = re.sub(r"(?m)^years:\n(?:[ #].*\n)+", "years: {}\n", params)
    (root / "params.yaml").write_text(params, encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "SAMVERKAN_ROOT": str(root),
        "MPLBACKEND": "Agg",
        "TMPDIR": str(tmpdir),
        "SOURCE_DATE_EPOCH": "1735689600",
        "PYTHONUNBUFFERED": "1",
        MARK: str(base),
    }
    demo = Demo(root, tmpdir, env)
    _ok(demo, "dvc", "init", "--no-scm", "-q")
    _ok(demo, "dvc", "config", "core.analytics", "false")
    _ok(demo, "samverkan-dev", "demo-data", "--out", "data/raw")
    for zone in ("raw", "coding"):  # the demo writes every demo term: keep the one built
        for folder in (root / "data" / zone).iterdir():
            other_term = re.fullmatch(r"\d{4}(VT|HT)", folder.name) and folder.name != TERM
            if folder.is_dir() and other_term:
                shutil.rmtree(folder)
    demo.durations = _durations(_timed(demo, "dvc", "repro"))
    _ok(demo, "samverkan", "check-leaks")
    demo.outputs = _snapshot(root)
    _assert_nothing_left(demo)
    return demo


def _leftover_processes(demo: Demo) -> list[str]:
    found = []
    token = f"{MARK}={demo.env[MARK]}".encode()
    for env_file in Path("/proc").glob("[0-9]*/environ"):
        try:
            if token in env_file.read_bytes():
                found.append(
                    (env_file.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
        except OSError:
            continue
    return found


def _assert_nothing_left(demo: Demo) -> None:
    temporaries = [p for p in demo.root.rglob(".*") if is_temporary(p)]
    assert temporaries == [], temporaries
    kernels = [p.name for p in demo.tmpdir.iterdir()]
    assert kernels == [], kernels
    for _ in range(100):  # a kernel whose parent was killed shuts itself down
        if not (left := _leftover_processes(demo)):
            break
        time.sleep(0.1)
    assert left == []


def _make_report(demo: Demo) -> str:
    """The sequence of `make report`: dvc repro, then the leak scan; both must pass."""
    out = _ok(demo, "dvc", "repro")
    out += _ok(demo, "samverkan", "check-leaks")
    return out


def _assert_same_outputs(demo: Demo) -> None:
    now = _snapshot(demo.root)
    assert sorted(now) == sorted(demo.outputs)
    changed = [
        name
        for name in now
        if now[name] != demo.outputs[name] and not _previous_sheet(name, now, demo.outputs)
    ]
    assert changed == []


def _previous_sheet(name: str, now: dict, before: dict) -> bool:
    """A coding sheet's backup holds the version before the sheet's last save: once the
    sheet stage has run again (a killed run that got as far as saving, or the re-run
    after it), that is the sheet as the uninterrupted run left it, not the demo's own
    that the first run backed up. The sheet itself must still be the same."""
    if not name.endswith(".bak.xlsx"):
        return False
    sheet = name.removesuffix(".bak.xlsx") + ".xlsx"
    return now[name] == before.get(sheet) and now.get(sheet) == before.get(sheet)


def _kill_plan() -> list[tuple[str, float]]:
    rng = random.Random(SEED)
    return [(phase, rng.uniform(0.02, 0.6)) for phase in KILLS]


def _kill(demo: Demo, phase: str, fraction: float) -> tuple[bool, str]:
    """Start `dvc repro -f -s <stage>` in its own process group; once the phase's command
    has started, wait ``fraction`` of the phase's usual duration and SIGKILL the group.
    Whether the run was still going, and what it printed."""
    log = demo.root.parent / "kill.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["dvc", "repro", "-f", "-s", STAGE[phase]],
            cwd=demo.root,
            env=demo.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while proc.poll() is None and TRIGGER[phase] not in log.read_text(errors="replace"):
            time.sleep(0.01)
        deadline = time.monotonic() + fraction * demo.durations[phase]
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        running = proc.poll() is None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return running, log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("phase", "fraction"),
    _kill_plan(),
    ids=[f"kill{i + 1:02d}-{phase}" for i, (phase, _) in enumerate(_kill_plan())],
)
def test_sigkill_at_a_random_point_then_make_report_is_clean(
    demo: Demo, phase: str, fraction: float
) -> None:
    for attempt in range(4):  # a quieter machine than the baseline's: kill earlier
        running, printed = _kill(demo, phase, fraction / 2**attempt)
        if running:
            break
    assert running, f"the run ended before the kill:\n{printed}"
    left = [p.name for p in demo.root.rglob(".*") if is_temporary(p)]
    left += [p.name for p in demo.tmpdir.iterdir()]
    print(f"{phase}: killed {printed.splitlines()[-1][:60]!r}; left behind: {left}")
    _make_report(demo)
    _assert_same_outputs(demo)
    _assert_nothing_left(demo)


# --- stale leftovers of a killed run ------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _stale_pdfs(demo: Demo) -> list[Path]:
    folder = demo.root / "reports" / TERM
    paths = [
        folder / f".terminsrapport-{TERM}.{_dead_pid()}-x1y2z3w4.tmp.pdf",
        folder / f".terminsrapport-{TERM}.q9w8e7r6.tmp.pdf",  # an older version's name
        folder / "notebooks" / f".03_term_report.{_dead_pid()}-a1b2c3d4.tmp.ipynb",
    ]
    for path in paths:
        path.write_bytes(b"")
    return paths


@pytest.mark.slow
def test_a_stale_zero_byte_temporary_pdf_does_not_block_make_report(demo: Demo) -> None:
    """Nothing re-runs (DVC has nothing to do): the next command removes the temporaries
    a kill left before the leak scan could choke on them."""
    stale = _stale_pdfs(demo)
    try:
        assert "Läckkontroll" in _make_report(demo)
        assert not any(p.exists() for p in stale)
        _assert_nothing_left(demo)
    finally:
        for path in stale:
            path.unlink(missing_ok=True)


@pytest.mark.slow
def test_stale_temporaries_are_cleaned_when_their_stage_runs_again(demo: Demo) -> None:
    stale = _stale_pdfs(demo)
    _ok(demo, "dvc", "repro", "-f", "-s", STAGE["publish"])  # the stage's next run
    _make_report(demo)
    assert not any(p.exists() for p in stale)
    _assert_same_outputs(demo)
    _assert_nothing_left(demo)


@pytest.mark.slow
def test_stale_kernel_folders_are_cleaned_at_the_next_notebook_run(demo: Demo) -> None:
    old = time.time() - 120
    stale = [
        demo.tmpdir / f"samverkan-kernel-{_dead_pid()}-k1e2r3n4",
        demo.tmpdir / "samverkan-o1d2v3e4",  # an older version's folder
    ]
    for folder in stale:
        folder.mkdir(mode=0o700)
        (folder / "kernel-1").write_bytes(b"")
        (folder / "kernel.json").write_text("{}", encoding="utf-8")
        os.utime(folder, (old, old))
    _ok(demo, "dvc", "repro", "-f", "-s", STAGE["code"])  # the next notebook run
    _make_report(demo)
    assert not any(p.exists() for p in stale)
    _assert_same_outputs(demo)
    _assert_nothing_left(demo)


# --- disk full, read-only, permission denied ----------------------------------------------


@contextlib.contextmanager
def _tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A real small or read-only file system at ``folder`` (needs root; else skip)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a test file system needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "samverkan-test", str(folder)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _publish_into(
    demo: Demo, folder: Path, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    record = f"reports/{TERM}/notebooks/03_term_report.ipynb"
    return _run(
        demo,
        "samverkan",
        "publish",
        record,
        "--out",
        str(folder / f"terminsrapport-{TERM}"),
        "--kind",
        "term",
        prefix=prefix,
    )


def _assert_one_line(proc: subprocess.CompletedProcess, target: Path, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("samverkan: fel:")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"samverkan: fel: {target}: kunde inte skrivas: "), lines[0]
    assert words in lines[0] and "Traceback" not in proc.stderr and "oväntat fel" not in lines[0]


@pytest.mark.slow
def test_disk_full_gives_one_line_with_the_path_and_keeps_the_old_report(
    demo: Demo, tmp_path: Path
) -> None:
    with _tmpfs(tmp_path / "full", "size=96k") as folder:
        old = folder / f"terminsrapport-{TERM}.html"
        old.write_text("old report", encoding="utf-8")
        proc = _publish_into(demo, folder)
        _assert_one_line(proc, old, "disken är full")
        assert old.read_text(encoding="utf-8") == "old report"
        assert [p.name for p in folder.iterdir()] == [old.name]  # no temporary left
    _make_report(demo)


@pytest.mark.slow
def test_a_read_only_output_folder_gives_one_line_with_the_path(demo: Demo, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
        proc = _publish_into(demo, folder)
        _assert_one_line(proc, folder / f"terminsrapport-{TERM}.html", "skrivskyddad disk")
        assert list(folder.iterdir()) == []
    _make_report(demo)


@pytest.mark.slow
def test_permission_denied_gives_one_line_with_the_path(demo: Demo, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    old = folder / f"terminsrapport-{TERM}.html"
    old.write_text("old report", encoding="utf-8")
    folder.chmod(0o555)
    prefix: tuple[str, ...] = ()
    if IS_ROOT:  # root ignores permissions unless it gives up the capability to
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to drop root's override")
        prefix = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--")
    try:
        proc = _publish_into(demo, folder, prefix)
    finally:
        folder.chmod(0o755)
    _assert_one_line(proc, old, "saknar behörighet")
    assert old.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in folder.iterdir()] == [old.name]
    _make_report(demo)


# --- a failed stage, and raw file names in logs ------------------------------------------


@pytest.mark.slow
def test_a_raw_file_named_after_a_person_never_reaches_a_record_or_log(demo: Demo) -> None:
    raw = demo.root / "data" / "raw" / TERM
    person = raw / "Karin Holm__lifecare.csv"
    shutil.copy2(raw / "svedala__lifecare.csv", person)
    try:
        proc = _run(demo, "dvc", "repro")
        written = [
            p
            for zone in ("reports", "logs", "data/processed", ".dvc/tmp")
            for p in (demo.root / zone).rglob("*")
            if p.is_file() and p.suffix not in {".pdf", ".parquet"}
        ]
        for path in written:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "Karin" not in text and "Holm" not in text, path
        if proc.returncode != 0:
            failed = raw.parents[2] / "reports" / TERM / "notebooks" / "01_ingest.failed.ipynb"
            if failed.exists():
                assert "Steget stoppade med" in failed.read_text(encoding="utf-8")
    finally:
        person.unlink()
    _make_report(demo)
    _assert_same_outputs(demo)
    assert not (demo.root / "reports" / TERM / "notebooks" / "01_ingest.failed.ipynb").exists()
    _assert_nothing_left(demo)


def test_logs_are_private_and_name_no_unvalidated_raw_file(tmp_path: Path) -> None:
    shutil.copytree(REPO / "config", tmp_path / "config")
    (tmp_path / "logs").mkdir(mode=0o755)
    (tmp_path / "logs" / "samverkan.log").write_text("", encoding="utf-8")
    (tmp_path / "logs" / "samverkan.log").chmod(0o644)
    try:
        configure(logging.INFO, tmp_path)
        log = logging.getLogger("samverkan.test")
        log.warning("%s är ingen export och läses inte", "data/raw/2025HT/Karin Holm.csv")
        log.warning("läser 'Lisa Nilsson 850101.xlsx' och svedala__lifecare.csv")
        log.warning("%s: %d rader", "svedala__lifecare.csv", 12)
        log.warning("fel i anna__andersson.xlsx och kodning.xlsx")  # unknown organisation
        for handler in logging.getLogger().handlers:
            handler.flush()
    finally:
        logging.basicConfig(handlers=[logging.NullHandler()], force=True)
    assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "logs" / "samverkan.log").stat().st_mode & 0o777 == 0o600
    text = (tmp_path / "logs" / "samverkan.log").read_text(encoding="utf-8")
    for secret in ("Karin", "Holm", "Lisa", "Nilsson", "850101", "anna", "andersson"):
        assert secret not in text
    assert "data/raw/2025HT/(okänd fil) är ingen export" in text
    assert "svedala__lifecare.csv: 12 rader" in text and "kodning.xlsx" in text
    assert text.count("okänd fil") == 3


def test_the_log_filter_replaces_names_in_arguments_and_text() -> None:
    filt = FileNameFilter({"svedala": {"lifecare"}})
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "%s och %s",
        (Path("Per Ek.ods"), "svedala__lifecare.csv"),
        None,
    )
    assert filt.filter(record) and record.getMessage() == "okänd fil och svedala__lifecare.csv"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, 'fil "Per Ek.csv" läst', (), None)
    assert filt.filter(record) and record.getMessage() == "fil 'okänd fil' läst"
