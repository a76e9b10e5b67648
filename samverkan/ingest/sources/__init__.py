"""Reading the systems' exports: one reader per system, driven by config/sources.yaml.

``read_export(path, system, config)`` returns an ``ExportTable`` whose ``rows`` hold the
canonical fields of every data row (``READ_COLUMNS``); an unusable file raises
``samverkan.project.errors.InputError``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from samverkan.ingest.sources.catalog import (
    SourceConfig,
    SystemSpec,
    load_source_config,
    normalise_header,
    normalise_value,
)
from samverkan.ingest.sources.dates import parse_dates
from samverkan.ingest.sources.readers import READ_COLUMNS, READERS, ExportTable, form_source_key
from samverkan.project.errors import InputError
from samverkan.project.schema import SYSTEMS

logger = logging.getLogger(__name__)

__all__ = [
    "READERS",
    "READ_COLUMNS",
    "ExportTable",
    "SourceConfig",
    "SystemSpec",
    "form_source_key",
    "load_source_config",
    "normalise_header",
    "normalise_value",
    "parse_dates",
    "parse_export",
    "parse_file_name",
    "read_export",
]

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
    if system not in SYSTEMS or system not in config.systems:
        raise InputError(
            path,
            f"okänt system {system!r} i filnamnet",
            f"Byt namn på filen så att systemet är ett av {', '.join(SYSTEMS)}",
        )
    if system not in config.organisations[org].systems:
        raise InputError(
            path,
            f"organisationen {org} har inte systemet {system} i config/organisations.yaml",
            "Kontrollera filnamnet, eller lägg till systemet och dess avvikelsetyper där",
        )
    return org, system


def parse_export(data: bytes, path: Path, system: str, config: SourceConfig) -> ExportTable:
    """Read export bytes (named ``path`` in messages) with the reader of ``system``."""
    if system not in READERS or system not in config.systems:
        raise InputError(path, f"okänt system {system!r}", f"Använd ett av {', '.join(SYSTEMS)}")
    return READERS[system](Path(path), data, config.systems[system], config)


def read_export(path: Path, system: str, config: SourceConfig) -> ExportTable:
    """Read one export file; InputError when it cannot be used at all."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            path,
            f"filen kan inte läsas ({exc.strerror})",
            "Kontrollera att filen finns och går att öppna",
        ) from None
    return parse_export(data, path, system, config)
