"""Running a stage notebook through papermill, the way DVC's stages do.

Parameters arrive as text from the command line (from params.yaml via dvc.yaml). Term and
year codes always stay strings (papermill would turn ``2025`` into an integer); other
values are read as YAML scalars (``3`` → 3, ``false`` → False).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import Any

import yaml

from samverkan.project.errors import InputError
from samverkan.project.paths import ProjectPaths

log = logging.getLogger(__name__)

KERNEL = "samverkan"
# What a failed run record keeps of the error: its type and this line. The error's own
# message and traceback can name a raw file or quote case text, so they are not stored.
FAILED_LINE = (
    "Steget stoppade med {ename}. Felraden visades i terminalen; den sparas inte här "
    "eftersom den kan nämna en rådatafil."
)
STRING_PARAMS = {"term", "year", "compare_term", "compare_year", "root"}
# Optional modules that a library imports eagerly but no stage uses, and that cost as much
# to import as a small stage's own work: jsonschema (under nbformat, so under papermill and
# nbconvert) builds an Earley parser of RFC 3987 at import (1-2 s) only to offer an "iri"
# format check, and nbformat validates notebooks without format checks.
UNUSED_SLOW_IMPORTS = ("rfc3987_syntax",)
# What papermill imports for remote paths only (hdfs://: pyarrow's file systems, 0.3 s);
# the stages read and write local paths. Left out while papermill is imported, not after.
PAPERMILL_REMOTE_ONLY = ("pyarrow.fs",)


def skip_unused_slow_imports() -> None:
    """Make the imports in ``UNUSED_SLOW_IMPORTS`` fail fast (libraries that import them
    optionally fall back), unless something has imported them already."""
    for name in UNUSED_SLOW_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def import_papermill() -> Any:
    """papermill, imported without its remote-path handlers (``PAPERMILL_REMOTE_ONLY``)."""
    if "papermill" in sys.modules:
        return sys.modules["papermill"]
    blocked = [name for name in PAPERMILL_REMOTE_ONLY if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import papermill
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return papermill


def import_weasyprint() -> Any:
    """WeasyPrint, its libraries found without running a compiler.

    Its import tries up to six names per library (the Windows and macOS ones first), and
    cffi hands each name it cannot open to ``ctypes.util.find_library``, which on Linux
    asks the loader's cache and then runs gcc (15 ms a name, a dozen names). A run killed
    meanwhile leaves gcc's temporaries in TMPDIR (``cc*.res``, ``cc*.cdtor.c``), which are
    not ours to remove. Linux keeps the libraries WeasyPrint needs in the loader's cache,
    so while it imports, a name is looked up there only; where that cache cannot be read
    (no ldconfig), the import runs as it would anyway."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    original = ctypes.util.find_library
    from_cache = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if from_cache is None or not _cache_readable(from_cache):
        import weasyprint

        return weasyprint
    ctypes.util.find_library = from_cache
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = original
    return weasyprint


def _cache_readable(from_cache: Any) -> bool:
    try:
        return bool(from_cache("c"))  # the C library is in every loader cache
    except Exception:
        return False


class NotebookFailed(Exception):
    """A stage notebook stopped with an error; ``message`` is safe to show."""

    def __init__(self, notebook: str, ename: str, evalue: str, record: Path) -> None:
        self.notebook, self.ename, self.evalue, self.record = notebook, ename, evalue, record
        super().__init__(f"{notebook}: {ename}")


def parse_parameters(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Text pairs → notebook parameters.

    A comparison period equal to the period itself (params.yaml's way of saying "nothing to
    compare with") becomes "".
    """
    params: dict[str, Any] = {}
    for key, raw in pairs:
        params[key] = raw if key in STRING_PARAMS else yaml.safe_load(raw)
    for period, compare in (("term", "compare_term"), ("year", "compare_year")):
        if compare in params and params[compare] == params.get(period):
            params[compare] = ""
    return params


def find_notebook(root: Path, name: str) -> Path:
    """``01_ingest``, ``01`` or ``ingest`` → notebooks/01_ingest.ipynb."""
    folder = root / "notebooks"
    matches = sorted(
        p
        for p in folder.glob("*.ipynb")
        if p.stem == name or p.stem.startswith(f"{name}_") or p.stem.endswith(f"_{name}")
    )
    if len(matches) != 1:
        raise InputError(
            folder / f"{name}.ipynb",
            "ingen enskild anteckningsbok har det namnet",
            "Använd ett av: " + ", ".join(p.stem for p in sorted(folder.glob("*.ipynb"))),
        )
    return matches[0]


def clean_stale_kernel_dirs(started: float | None = None) -> list[Path]:
    """Remove the private folders (kernel sockets, publishing) that killed runs left."""
    from samverkan.project.atomic import clean_stale_tempdirs

    return clean_stale_tempdirs(started)


def redact_failed_record(path: Path, ename: str) -> None:
    """Keep of every error in a failed run record only its type and a Swedish line, and
    drop the stderr streams (log lines and warnings) and tracebacks."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                name = str(out.get("ename") or ename)
                out = nbformat.v4.new_output(
                    "error", ename=name, evalue=FAILED_LINE.format(ename=name), traceback=[]
                )
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            kept.append(out)
        cell.outputs = kept
    nbformat.write(nb, path)


def _record_paths(record: Path, notebook: Path, target: Path, root: Path) -> None:
    """Name the notebook and the record by their paths in the project, not by the temporary
    file papermill wrote (a random name that the leak scanner could mistake for a word)."""
    import nbformat

    nb = nbformat.read(record, as_version=4)
    meta = nb.metadata.get("papermill")
    if meta is None:
        return
    for key, path in (("input_path", notebook), ("output_path", target)):
        try:
            meta[key] = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            meta[key] = Path(path).name
    nbformat.write(nb, record)


def record_path(root: Path, notebook: Path, params: dict[str, Any]) -> Path:
    """Where the executed notebook (the run record) goes: reports/<TERM|YEAR>/notebooks/."""
    period = params.get("term") or params.get("year")
    if not period:
        raise ValueError("en steganteckningsbok behöver parametern term eller year")
    return ProjectPaths(root).run_record(str(period), notebook.name)


def warm_kernel_manager() -> type | None:
    """A kernel manager that starts the kernel through the warm-kernel server of the build
    (samverkan.kernels), when there is one; None otherwise."""
    import os

    from samverkan.kernels import ENV, kernel_command

    path = os.environ.get(ENV)
    if not path or not Path(path).exists():
        return None
    from jupyter_client.manager import AsyncKernelManager

    class WarmKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return kernel_command(path, super().format_kernel_cmd(extra_arguments))

    return WarmKernelManager


def _kernel_config(sockets: Path) -> Any:
    """The kernel on Unix sockets in the private folder ``sockets``; the connection file
    (with the kernel's key) goes there too, so a killed run leaves one folder to clean,
    not a stray tmp*.json. During `samverkan repro` the kernel is forked, imports done."""
    from traitlets.config import Config

    kernel = Config(
        KernelManager={
            "transport": "ipc",
            "ip": str(sockets / "kernel"),
            "connection_file": str(sockets / "kernel.json"),
        }
    )
    warm = warm_kernel_manager()
    if warm is not None:
        kernel.NotebookClient.kernel_manager_class = warm
    return kernel


def run_notebook(root: Path, name: str, params: dict[str, Any]) -> Path:
    """Execute a stage notebook with papermill on the project kernel; return the run record.

    The record is written atomically. If the notebook fails, the partial record is kept as
    ``<name>.failed.ipynb`` beside it for debugging and ``NotebookFailed`` is raised with
    the error's type and message (stage code raises InputError with messages free of
    personal data, so these are safe to print).
    """
    papermill = import_papermill()
    from papermill.exceptions import PapermillExecutionError

    from samverkan.project.atomic import atomic_path, clean_stale_temporaries, private_tempdir

    notebook = find_notebook(root, name)
    params = {"root": str(root), **params}
    target = record_path(root, notebook, params)
    failed = target.with_suffix(".failed.ipynb")
    log.info("kör %s med %s", notebook.name, {k: v for k, v in params.items() if k != "root"})
    # The kernel talks to papermill over Unix sockets in a private temporary folder (mode
    # 0700), not over TCP on localhost where any local user could connect: the ingest
    # notebook holds raw exports with personal data.
    clean_stale_kernel_dirs()
    clean_stale_temporaries(target.parent)  # what a killed run left beside the records
    with (
        atomic_path(target) as tmp,
        private_tempdir("kernel") as sockets,
    ):
        kernel = _kernel_config(Path(sockets))
        try:
            papermill.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=params,
                kernel_name=KERNEL,
                language="python",
                cwd=str(root),
                progress_bar=False,
                log_output=False,
                # written once at the end (or on an error), not after every cell: the
                # record is a temporary file until then, so the saves served nothing
                request_save_on_cell_execute=False,
                report_mode=False,
                config=kernel,
            )
        except PapermillExecutionError as exc:
            _keep_failed(tmp, failed, exc.ename)
            raise NotebookFailed(notebook.name, exc.ename, exc.evalue, failed) from None
        _record_paths(tmp, notebook, target, root)
    if failed.exists():
        failed.unlink()
    return target


def _keep_failed(tmp: Path, failed: Path, ename: str) -> None:
    """Keep the partial record, redacted, as ``<name>.failed.ipynb``."""
    with contextlib.suppress(OSError, ValueError):
        redact_failed_record(tmp, ename)
        tmp.replace(failed)
    if tmp.exists():  # could not be redacted: keep nothing rather than the raw error
        tmp.unlink()
