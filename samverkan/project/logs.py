"""Logging set-up, done once by the entry point (never on import).

Messages go to stderr and, when the project root is known, to logs/samverkan.log. Log
records never carry case text or identifiers: modules log counts, file names and stages.
The log folder is private (0700) and the log file 0600, and a filter replaces the name of
any data file that is not a validated export name (``<organisation>__<system>.<ext>``) or
one of the project's own files by "okänd fil", wherever it appears in a record.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path, PurePath

from samverkan.project.errors import (
    UNKNOWN_FILE,
    explain_os_error,
    export_name_parts,
    load_organisations,
)
from samverkan.project.paths import ProjectPaths

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Suffixes of files people name (exports, spreadsheets, documents).
DATA_SUFFIXES = ("csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods", "odt", "docx", "doc", "pdf")
# File names the project itself writes; any other data file name is replaced.
PROJECT_NAME = re.compile(
    r"^(reconciliation|quarantine[\w-]*|kodning(\.bak)?|ingest|agreement|cases|coded_cases"
    r"|uppfoljning|(terminsrapport|arsrapport)-\d{4}(VT|HT)?|README|requirements|constraints)"
    r"\.[A-Za-z]+$"
)
_SUFFIX = "|".join(DATA_SUFFIXES)
# a quoted name (may hold spaces) or an unquoted token ending in a data suffix
_NAME_IN_TEXT = re.compile(
    rf"(?P<q>['\"])(?P<quoted>[^'\"\n]*?\.(?:{_SUFFIX}))(?P=q)"
    rf"|(?P<bare>[^\s'\"(),;:<>\[\]{{}}]+\.(?:{_SUFFIX}))(?![\w.])",
    re.IGNORECASE,
)


Systems = Mapping[str, Collection[str]]


def safe_file_name(name: str, systems: Systems | None = None) -> bool:
    """A validated export name (of a known organisation and system when ``systems`` is
    given) or a file the project writes."""
    base = PurePath(name).name
    return bool(export_name_parts(base, systems) or PROJECT_NAME.match(base))


def scrub_file_names(text: str, systems: Systems | None = None) -> str:
    """``text`` with every data file name that is neither a validated export name nor a
    project file replaced by "okänd fil" (its folder is kept)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("quoted") or match.group("bare")
        if safe_file_name(name, systems):
            return match.group(0)
        parent = PurePath(name).parent.as_posix()
        shown = UNKNOWN_FILE if parent == "." else f"{parent}/({UNKNOWN_FILE})"
        return f"'{shown}'" if match.group("quoted") else shown

    return _NAME_IN_TEXT.sub(replace, text)


class OwnDebugOnly(logging.Filter):
    """The log file's own detail: DEBUG and INFO of this package; other libraries (DVC,
    fsspec, dulwich, ... when `samverkan repro` asks DVC in-process) only from WARNING up.
    Their debug lines name random temporary files, whose tokens the leak scan can read as
    a name from the raw data ("..._IDA.tmp"), and they say nothing an analyst needs."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == "samverkan" or record.name.startswith(("samverkan.", "__main__"))
        return own or record.levelno >= logging.WARNING


class FileNameFilter(logging.Filter):
    """Replace unvalidated data file names in a record's message (and its arguments)."""

    def __init__(self, systems: Systems | None = None) -> None:
        super().__init__()
        self.systems = systems

    def _arg(self, value: object) -> object:
        """An argument that is a data file's path or name (spaces and all) → "okänd fil"."""
        if isinstance(value, str | os.PathLike) and not isinstance(value, bytes):
            text = os.fspath(value)
            if PurePath(text).suffix.lower().lstrip(".") in DATA_SUFFIXES and not safe_file_name(
                text, self.systems
            ):
                parent = PurePath(text).parent.as_posix()
                return UNKNOWN_FILE if parent == "." else f"{parent}/({UNKNOWN_FILE})"
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._arg(v) for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record as logging would
            return True
        scrubbed = scrub_file_names(message, self.systems)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def _private_log_file(log_dir: Path) -> Path:
    """logs/ (0700) and logs/samverkan.log (0600), tightened if they already exist."""
    log_dir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(log_dir, 0o700)
    path = log_dir / "samverkan.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def configure(level: int = logging.INFO, root: Path | None = None) -> None:
    handlers: list[logging.Handler] = []
    stream = logging.StreamHandler()
    stream.setFormatter(logging.Formatter("samverkan: %(message)s"))
    stream.setLevel(level)
    handlers.append(stream)
    systems: Systems | None = None
    problem = None
    if root is not None:
        paths = ProjectPaths(Path(root))
        systems = {k: v["systems"] for k, v in load_organisations(paths.config).items()}
        try:
            path = _private_log_file(paths.logs)
        except OSError as exc:  # a read-only project: log to the terminal only
            problem = explain_os_error(exc) or f"{paths.logs}: kan inte skrivas"
        else:
            file_handler = logging.FileHandler(path, encoding="utf-8")
            file_handler.setFormatter(logging.Formatter(FORMAT))
            file_handler.setLevel(logging.DEBUG)
            file_handler.addFilter(OwnDebugOnly())
            handlers.append(file_handler)
    for handler in handlers:
        handler.addFilter(FileNameFilter(systems))
    logging.basicConfig(level=logging.DEBUG, handlers=handlers, force=True)
    if problem:
        logging.getLogger(__name__).warning("loggfilen skrivs inte: %s", problem)
    for noisy in ("fontTools", "weasyprint", "papermill", "traitlets", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
