"""Reading the systems' exports, driven by config/sources.yaml (the one list of systems).

Each system names its reader kind there (``reader:``, see ``READERS``).
``read_export(path, system, config)`` returns an ``ExportTable`` whose ``rows`` hold the
canonical fields of every data row (``READ_COLUMNS``); an unusable file raises
``samverkan.project.errors.InputError``.
"""

from __future__ import annotations

import logging
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
    "read_export",
]


def parse_export(data: bytes, path: Path, system: str, config: SourceConfig) -> ExportTable:
    """Read export bytes (named ``path`` in messages) with the reader kind of ``system``."""
    if system not in config.systems:
        raise InputError(
            path, f"okänt system {system!r}", f"Använd ett av {', '.join(config.systems)}"
        )
    spec = config.systems[system]
    return READERS[spec.reader](Path(path), data, spec, config)


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
