from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from samverkan.project.errors import InputError
from samverkan.runner import find_notebook, parse_parameters, record_path


def test_terms_and_years_stay_strings_other_values_are_yaml() -> None:
    params = parse_parameters(
        [("year", "2025"), ("term", "2025HT"), ("min_cell", "3"), ("flag", "false")]
    )
    assert params == {"year": "2025", "term": "2025HT", "min_cell": 3, "flag": False}


def test_comparing_a_period_with_itself_means_no_comparison() -> None:
    assert parse_parameters([("term", "2024VT"), ("compare_term", "2024VT")])["compare_term"] == ""
    assert (
        parse_parameters([("term", "2025VT"), ("compare_term", "2024VT")])["compare_term"]
        == "2024VT"
    )
    assert parse_parameters([("year", "2024"), ("compare_year", "2024")])["compare_year"] == ""


def test_find_notebook_by_number_or_name(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    for name in ("01_ingest", "02_code"):
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text("{}")
    assert find_notebook(tmp_path, "ingest").name == "01_ingest.ipynb"
    assert find_notebook(tmp_path, "02").name == "02_code.ipynb"
    with pytest.raises(InputError, match="01_ingest, 02_code"):
        find_notebook(tmp_path, "report")


def test_run_records_go_beside_the_reports(tmp_path: Path) -> None:
    nb = tmp_path / "notebooks" / "03_term_report.ipynb"
    assert record_path(tmp_path, nb, {"term": "2025HT"}) == (
        tmp_path / "reports" / "2025HT" / "notebooks" / "03_term_report.ipynb"
    )


def test_kernel_talks_over_private_unix_sockets(tmp_path: Path, monkeypatch) -> None:
    import stat

    import nbformat
    import papermill

    from samverkan.runner import run_notebook

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02_code.ipynb").write_text("{}", encoding="utf-8")
    seen: dict = {}

    def fake_execute(src, out, **kwargs):
        manager = kwargs["config"]["KernelManager"]
        socket_dir = Path(manager["ip"]).parent
        seen.update(transport=manager["transport"], mode=stat.S_IMODE(socket_dir.stat().st_mode))
        nb = nbformat.v4.new_notebook()
        nb.metadata["papermill"] = {"input_path": str(src), "output_path": str(out)}
        nbformat.write(nb, out)

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    record = run_notebook(tmp_path, "02", {"term": "2025HT"})
    # not TCP on localhost, where any local user could connect to a kernel holding raw data
    assert seen == {"transport": "ipc", "mode": 0o700}
    # the record names itself by its place in the project, not by papermill's temporary file
    meta = nbformat.read(record, as_version=4).metadata["papermill"]
    assert meta["input_path"] == "notebooks/02_code.ipynb"
    assert meta["output_path"] == "reports/2025HT/notebooks/02_code.ipynb"


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_kernel_folders_of_killed_runs_are_removed(tmp_path: Path, monkeypatch) -> None:
    import os
    import tempfile
    import time

    from samverkan.runner import clean_stale_kernel_dirs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = time.time() - 60

    def folder(name: str, files: tuple[str, ...] = ("kernel-1", "kernel.json")) -> Path:
        path = tmp_path / name
        path.mkdir(mode=0o700)
        for f in files:
            (path / f).write_text("")
        os.utime(path, (old, old))
        return path

    killed = folder(f"samverkan-kernel-{_dead_pid()}-abcd_123")
    legacy = folder("samverkan-x7yz_9ab")  # an older version's name
    running = folder(f"samverkan-kernel-{os.getppid()}-abcd_123")  # its process is alive
    demo = folder("samverkan-demo-ab12cd34", ("cases.parquet",))  # not a kernel folder
    other = folder("samverkan-q1w2e3r4", ("notes.txt",))  # not only kernel sockets
    publish = folder(f"samverkan-publish-{_dead_pid()}-w_ab12cd", ("DejaVuSans.ttf",))
    new = folder(f"samverkan-kernel-{_dead_pid()}-newer_12")
    os.utime(new, None)  # newer than this run: not ours to judge
    removed = clean_stale_kernel_dirs(started=time.time() - 5)
    assert sorted(removed) == sorted([killed, legacy, publish])
    assert all(p.exists() for p in (running, demo, other, new))


def test_a_failed_record_keeps_only_the_error_type_and_a_swedish_line(
    tmp_path: Path, monkeypatch
) -> None:
    import nbformat
    import papermill
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    from papermill.exceptions import PapermillExecutionError

    from samverkan.runner import NotebookFailed, run_notebook

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_ingest.ipynb").write_text("{}", encoding="utf-8")
    raw_name = "data/raw/2025HT/Karin Holm__lifecare.csv"
    message = f"{raw_name}: okänd organisation 'karin holm' i filnamnet. Byt namn"

    def failing(src, out, **kwargs):
        nb = new_notebook(
            cells=[
                new_code_cell(
                    "ingest()",
                    outputs=[
                        new_output("stream", name="stdout", text="12 filer\n"),
                        new_output("stream", name="stderr", text=f"WARNING läser {raw_name}\n"),
                        new_output(
                            "error",
                            ename="InputError",
                            evalue=message,
                            traceback=[f"InputError: {message}", "Anna Berg 19850101-1234"],
                        ),
                    ],
                )
            ]
        )
        nbformat.write(nb, out)
        raise PapermillExecutionError(0, 1, "ingest()", "InputError", message, [message])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    with pytest.raises(NotebookFailed) as info:
        run_notebook(tmp_path, "01", {"term": "2025HT"})
    assert info.value.ename == "InputError" and info.value.evalue == message  # for the terminal
    record = info.value.record
    assert record.name == "01_ingest.failed.ipynb"
    text = record.read_text(encoding="utf-8")
    for secret in ("Karin", "Holm", "lifecare.csv", "Anna", "19850101", "WARNING"):
        assert secret not in text
    (cell,) = nbformat.read(record, as_version=4).cells
    assert [o["output_type"] for o in cell.outputs] == ["stream", "error"]
    error = cell.outputs[1]
    assert error["ename"] == "InputError" and error["traceback"] == []
    assert error["evalue"].startswith("Steget stoppade med InputError.")
    assert not (tmp_path / "reports" / "2025HT" / "notebooks" / "01_ingest.ipynb").exists()
    assert [p.name for p in record.parent.iterdir()] == ["01_ingest.failed.ipynb"]


def test_the_kernels_connection_file_lives_in_its_private_folder(
    tmp_path: Path, monkeypatch
) -> None:
    import os

    import nbformat
    import papermill

    from samverkan.runner import run_notebook

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02_code.ipynb").write_text("{}", encoding="utf-8")
    seen: dict = {}

    def fake_execute(src, out, **kwargs):
        manager = kwargs["config"]["KernelManager"]
        folder = Path(manager["ip"]).parent
        seen.update(
            connection=Path(manager["connection_file"]).parent == folder,
            named=folder.name.startswith(f"samverkan-kernel-{os.getpid()}-"),
        )
        nbformat.write(nbformat.v4.new_notebook(), out)

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    run_notebook(tmp_path, "02", {"term": "2025HT"})
    assert seen == {"connection": True, "named": True}


def _fresh_python(code: str) -> str:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return proc.stdout.strip()


def test_stage_processes_skip_the_grammar_jsonschema_builds_but_still_validate() -> None:
    out = _fresh_python(
        "import sys\n"
        "from samverkan.runner import skip_unused_slow_imports\n"
        "skip_unused_slow_imports()\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['outputs'] = 'not a list'\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid caught', sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    assert out == "invalid caught None"


def test_papermill_comes_without_remote_file_systems_which_stay_importable() -> None:
    out = _fresh_python(
        "import sys\n"
        "from samverkan.runner import import_papermill\n"
        "papermill = import_papermill()\n"
        "print(callable(papermill.execute_notebook), 'pyarrow.fs' in sys.modules)\n"
        "import pyarrow.fs\n"
        "print(pyarrow.fs.LocalFileSystem is not None)\n"
    )
    assert out.splitlines() == ["True False", "True"]


def test_weasyprint_is_imported_without_running_a_compiler(tmp_path: Path) -> None:
    """ctypes' find_library runs gcc for every library name the loader's cache lacks; a
    run killed then leaves gcc's temporaries in TMPDIR (the fault tests found them)."""
    script = (
        "import ctypes.util, sys\n"
        "ran = []\n"
        "for name in ('_findLib_gcc', '_findLib_ld'):\n"
        "    real = getattr(ctypes.util, name)\n"
        "    setattr(ctypes.util, name, lambda n, real=real: ran.append(n) or real(n))\n"
        "from samverkan.runner import import_weasyprint\n"
        "weasyprint = import_weasyprint()\n"
        "assert ctypes.util.find_library.__name__ == 'find_library'  # put back\n"
        "weasyprint.HTML(string='<p>x</p>').write_pdf()\n"
        "print(ran)\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []
