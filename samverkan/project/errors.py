"""Errors the user can act on.

An ``InputError`` is an expected problem with the input (a file that cannot be read, a
missing column, a malformed configuration file). The command line prints its message as
one line on stderr and exits with status 2, without a traceback. The message must name
the file, say what is wrong and what to do, and must never contain case text or personal
data.

A ``WriteError`` is the same for an output that could not be written (disk full, a
read-only folder, no permission): the line names the path, and the old file is untouched.
``explain_os_error`` gives that line for any ``OSError`` of the file system, so the command
line can print it instead of "oväntat fel OSError".
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path, PurePath
from typing import Any

# A raw export's validated name: <organisation slug>__<system>.<csv|xlsx> (slugs are lower
# case letters, digits and hyphens, see config/organisations.yaml). A raw file named in any
# other way may carry a person's name, so such a name is never shown.
RAW_FILE_NAME = re.compile(
    r"^(?P<org>[a-z0-9][a-z0-9-]*)__(?P<system>[a-z0-9][a-z0-9-]*)\.(?P<ext>csv|xlsx)$",
    re.IGNORECASE,
)
UNKNOWN_FILE = "okänd fil"


def export_name_parts(
    name: str, organisations: Mapping[str, Collection[str]] | None = None
) -> tuple[str, str] | None:
    """(organisation, system) of a validated export name, else None. With
    ``organisations`` (slug → its systems) both must be known, as ingest requires."""
    match = RAW_FILE_NAME.match(name)
    if match is None:
        return None
    org, system = match.group("org").lower(), match.group("system").lower()
    if organisations is not None and system not in organisations.get(org, ()):
        return None
    return org, system


def load_organisations(config: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """config/organisations.yaml as slug → {"name": ..., "systems": set}; {} if unreadable
    (then no export name counts as validated: names are hidden, never shown)."""
    import yaml

    try:
        data = yaml.safe_load((Path(config) / "organisations.yaml").read_text(encoding="utf-8"))
        orgs = data["organisations"]
        return {
            str(slug).lower(): {
                "name": str(info.get("name", slug)),
                "systems": {str(s).lower() for s in (info.get("systems") or {})},
            }
            for slug, info in orgs.items()
        }
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
        return {}


# errno → (what is wrong, how to fix it)
_FS_ERRORS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: (
        "disken är full",
        "Frigör utrymme på disken (eller mappens kvot) och kör igen",
    ),
    errno.EDQUOT: (
        "diskkvoten är slut",
        "Frigör utrymme inom din kvot eller be om en större, och kör igen",
    ),
    errno.EROFS: (
        "mappen ligger på en skrivskyddad disk",
        "Kör projektet från en skrivbar mapp eller montera disken skrivbar",
    ),
    errno.EACCES: (
        "ditt konto saknar behörighet till filen eller mappen",
        "Ge ditt konto läs- och skrivrätt (ls -ld visar ägare och rättigheter) och kör igen",
    ),
    errno.EPERM: (
        "åtgärden är inte tillåten för ditt konto",
        "Ge ditt konto skrivrätt till mappen eller ta bort skrivskyddet på filen, och kör igen",
    ),
    errno.ENAMETOOLONG: (
        "sökvägen eller filnamnet är för långt",
        "Flytta projektet till en kortare sökväg",
    ),
    errno.EIO: (
        "läs- eller skrivfel på disken",
        "Kontrollera disken (eller nätverksenheten) och kör igen",
    ),
}


_TERM = re.compile(r"^\d{4}(VT|HT)$")


def display_path(path: object) -> str:
    """``path`` as it may be shown. Under data/raw/ only the term folder and validated
    export names are shown; anything else there is "(okänd fil)" (its name could be a
    person's)."""
    text = os.fsdecode(path) if isinstance(path, bytes | os.PathLike) else str(path)
    parts = PurePath(text).parts
    for i in range(len(parts) - 1):
        if parts[i] == "data" and parts[i + 1] == "raw":
            head, rest = parts[: i + 2], parts[i + 2 :]
            if rest and _TERM.match(rest[0]):
                head, rest = (*head, rest[0]), rest[1:]
            if not rest or (len(rest) == 1 and RAW_FILE_NAME.match(rest[0])):
                return text
            return f"{PurePath(*head).as_posix()}/({UNKNOWN_FILE})"
    return text


class InputError(Exception):
    """An expected, user-fixable problem with an input file or setting."""

    def __init__(self, path: object, problem: str, fix: str) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem}. {fix}")


class WriteError(InputError):
    """An output could not be written (disk full, read-only, no permission): nothing was
    half-written and the previous version of the file is untouched."""


def os_error_reason(exc: BaseException) -> tuple[str, str] | None:
    """(problem, fix) in Swedish for a file-system ``OSError``; None for other errors."""
    if not isinstance(exc, OSError) or isinstance(exc, FileNotFoundError):
        return None
    return _FS_ERRORS.get(exc.errno or -1)


def write_error(exc: OSError, target: object) -> WriteError:
    """The ``WriteError`` for a failed write of ``target`` (the old file is untouched)."""
    reason = os_error_reason(exc) or ("filen kunde inte skrivas", "Kontrollera mappen")
    problem, fix = reason
    problem = f"kunde inte skrivas: {problem} (den tidigare versionen är orörd)"
    return WriteError(display_path(target), problem, fix)


def explain_os_error(exc: BaseException) -> str | None:
    """One Swedish line (path, problem, fix) for a file-system ``OSError``, else None.

    The path is the file the error names (a raw file by its folder alone when its name is
    not a validated export name); the error's own text is never used.
    """
    reason = os_error_reason(exc)
    if reason is None:
        return None
    assert isinstance(exc, OSError)
    problem, fix = reason
    where = display_path(exc.filename) if exc.filename is not None else "en fil eller mapp"
    return f"{where}: {problem}. {fix}"
