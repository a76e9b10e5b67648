"""Finding a term's exports: ``<organisation>__<system>.<csv|xlsx>`` in its raw folder."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from samverkan.ingest.sources import SourceConfig
from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

# <organisation>__<system>.<ext>; anything else in a term folder (README.md, .gitkeep) is ignored
FILE_NAME = re.compile(r"^(?P<org>[^._][^/]*?)__(?P<system>[^./]+)\.(?P<ext>[A-Za-z0-9]+)$")
EXTENSIONS = ("csv", "xlsx")


def parse_file_name(path: Path, config: SourceConfig) -> tuple[str, str] | None:
    """(organisation, system) of an export file name; None for files that are not exports.

    Raises InputError for an export-like name with an unknown organisation or system, a
    system the organisation does not use, or an unsupported extension.
    """
    m = FILE_NAME.match(path.name)
    if not m:
        return None
    org, system, ext = m.group("org").lower(), m.group("system").lower(), m.group("ext").lower()
    if ext not in EXTENSIONS:
        raise InputError(
            path,
            f"filändelsen .{ext} stöds inte",
            "Spara exporten som .csv eller .xlsx (namn: <organisation>__<system>.csv)",
        )
    if org not in config.organisations:
        raise InputError(
            path,
            f"okänd organisation {org!r} i filnamnet",
            f"Byt namn på filen till en av {', '.join(sorted(config.organisations))}, "
            "eller lägg till organisationen i config/organisations.yaml",
        )
    if system not in config.systems:
        raise InputError(
            path,
            f"okänt system {system!r} i filnamnet",
            f"Byt namn på filen så att systemet är ett av {', '.join(config.systems)}, "
            "eller lägg till systemet i config/sources.yaml",
        )
    if system not in config.organisations[org].systems:
        raise InputError(
            path,
            f"organisationen {org} har inte systemet {system} i config/organisations.yaml",
            "Kontrollera filnamnet, eller lägg till systemet och dess avvikelsetyper där",
        )
    return org, system


def find_export_files(raw_dir: Path, config: SourceConfig) -> list[tuple[Path, str, str]]:
    """(path, organisation, system) of every export in ``raw_dir``, sorted by name.

    Hidden files and names not of the form ``<organisation>__<system>.<ext>`` are ignored;
    an export-like name with an unknown organisation, system or extension is an InputError,
    and so are two files for the same organisation and system.
    """
    if not raw_dir.is_dir():
        raise InputError(
            raw_dir,
            "mappen för terminens exporter finns inte",
            "Skapa mappen och lägg exporterna där som <organisation>__<system>.csv eller .xlsx",
        )
    found: list[tuple[Path, str, str]] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in sorted(raw_dir.iterdir()):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        parsed = parse_file_name(path, config)
        if parsed is None:
            logger.debug("ignoring %s (not an export name)", path.name)
            continue
        if parsed in seen:
            raise InputError(
                path,
                f"två filer för {parsed[0]} och {parsed[1]} (även {seen[parsed].name})",
                "Behåll en export per organisation och system i terminens mapp",
            )
        seen[parsed] = path
        found.append((path, *parsed))
    return found
