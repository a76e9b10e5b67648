"""One reader per reader kind: a file -> a frame of canonical fields, driven by sources.yaml.

Every reader returns the same columns (``READ_COLUMNS``): the row number in the file, the
raw text of each canonical field (NA when empty), parsed dates, whether the row came in
from the other party, and the category named by the source (NA when none). Unmapped
columns, which may hold personal data, are dropped here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import pandas as pd

from samverkan.ingest.sources.catalog import (
    SourceConfig,
    SystemSpec,
    map_text,
    normalise_category_value,
    normalise_header,
    normalise_value,
)
from samverkan.ingest.sources.dates import parse_dates
from samverkan.ingest.sources.grids import Sheet, find_header, read_sheets
from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

TEXT_FIELDS = (
    "source_id",
    "received_text",
    "event_text",
    "source_type",
    "reporter_unit",
    "counterpart",
    "description",
    "action",
    "outcome",
    "feedback_text",
    "status",
    "category_text",
    "person_id",  # replaced by a keyed pseudonym right after reading (ingest.pseudonym)
)
READ_COLUMNS = (
    "row", *TEXT_FIELDS, "received", "event_date", "feedback_date", "incoming", "category"
)  # fmt: skip
_DIGIT = re.compile("[0-9]")
_RENAME = {
    "received": "received_text",
    "event_date": "event_text",
    "feedback_date": "feedback_text",
    "category": "category_text",
}


@dataclass(frozen=True)
class ExportTable:
    """What a reader found in one file."""

    rows: pd.DataFrame  # columns READ_COLUMNS, one row per data row of the file
    sheet: str | None
    header_row: int  # 1-based row number of the header in the file
    skipped_rows: int  # empty, totals and repeated header rows below the header (not cases)


def _missing_message(spec: SystemSpec, group: tuple[str, ...]) -> str:
    names = " eller ".join(f"'{spec.fields[f][0]}'" for f in group if spec.fields[f])
    return f"obligatorisk kolumn saknas: {names}"


def map_columns(header: list[str | None], spec: SystemSpec, path: object) -> dict[str, int]:
    """Canonical field -> column index. Where several columns match one field, the alias
    listed first in sources.yaml wins. Raises InputError naming a missing required field."""
    aliases = spec.alias_index()
    chosen: dict[str, tuple[int, int]] = {}
    for idx, cell in enumerate(header):
        h = normalise_header(cell)
        if h in aliases:
            fname, prio = aliases[h]
            if fname not in chosen or prio < chosen[fname][0]:
                chosen[fname] = (prio, idx)
    mapping = {f: idx for f, (_, idx) in chosen.items()}
    for group in spec.required:
        if not any(f in mapping for f in group):
            raise InputError(
                path,
                _missing_message(spec, group),
                "Exportera med den kolumnen, eller lägg till filens rubrik som alias "
                f"under {spec.name}.fields i config/sources.yaml",
            )
    return mapping


def _is_footer(row: list[str | None], keys: list[int], cfg: SourceConfig) -> bool:
    """The first filled cell matches footer_patterns and no date cell (``keys``: the
    columns of received and event_date) holds a readable date."""
    first = next((i for i, c in enumerate(row) if c), None)
    if first is None:
        return True
    text = normalise_value(row[first])
    if not any(p.search(text) for p in cfg.footer_patterns):
        return False
    dates = pd.Series([row[i] for i in keys if i < len(row) and row[i]], dtype="string")
    return not parse_dates(dates).notna().any()


def generic_read(path: Path, data: bytes, spec: SystemSpec, cfg: SourceConfig) -> ExportTable:
    """Find the header, map the columns and return the data rows as canonical text fields.

    The frame holds READ_COLUMNS plus any other mapped field (e.g. ``direction``) for the
    system reader's own use; ``finish`` drops those.
    """
    aliases = spec.alias_index()
    sheets = read_sheets(data, path, aliases, cfg.header_search_rows)
    sheet, hidx = find_header(sheets, aliases, cfg.header_search_rows, cfg.min_header_matches, path)
    mapping = map_columns(sheet.rows[hidx], spec, path)
    rows, numbers, skipped = _data_rows(sheet, hidx, mapping, spec, cfg)
    n = len(rows)
    index = pd.RangeIndex(n)
    # every column first, then one frame: a column set on a frame costs more than the
    # few hundred rows of most files
    shortest = min(map(len, rows), default=0)
    columns: dict[str, Any] = {
        _RENAME.get(f, f): pd.Series(
            pd.array(_column(rows, i, shortest), dtype="string"), index=index
        )
        for f, i in mapping.items()
    }
    for col in TEXT_FIELDS:
        if col not in columns:
            columns[col] = pd.Series(pd.array([None] * n, dtype="string"), index=index)
    columns["row"] = pd.array(numbers, dtype="int64")
    columns["received"] = parse_dates(columns["received_text"])
    columns["event_date"] = parse_dates(columns["event_text"])
    columns["feedback_date"] = parse_dates(columns["feedback_text"])
    columns["incoming"] = pd.array([False] * n, dtype="boolean")
    columns["category"] = pd.array([None] * n, dtype="string")
    frame = pd.DataFrame(columns, index=index)
    logger.debug("%s: %d data rows (%d empty or totals rows skipped)", path.name, n, skipped)
    return ExportTable(frame, sheet.name, sheet.row_numbers[hidx], skipped)


def _column(rows: list[list[str | None]], i: int, shortest: int) -> list[str | None]:
    """Cell ``i`` of every row (None where a row is shorter; ``shortest``: the fewest
    cells of any row)."""
    if i < shortest:
        return list(map(itemgetter(i), rows))
    return [r[i] if i < len(r) else None for r in rows]


def finish(table: ExportTable) -> ExportTable:
    """Keep only READ_COLUMNS (drops helper fields such as the direction text)."""
    return ExportTable(
        table.rows[list(READ_COLUMNS)].copy(), table.sheet, table.header_row, table.skipped_rows
    )


def _data_rows(
    sheet: Sheet, hidx: int, mapping: dict[str, int], spec: SystemSpec, cfg: SourceConfig
) -> tuple[list[list[str | None]], list[int], int]:
    """Rows below the header, without empty rows, totals rows and repeated header rows.

    A row counts as data when any mapped cell is filled and it is not a totals row. A
    totals or footer row ("Totalt: 34", "Utskrivet 2025-07-01") has its first filled cell
    matching footer_patterns, at most two mapped cells filled AND no readable date: a row
    with a date is always data (a form row with only a date and a description starting
    "Totalt ..." is a case), and so is a row whose first cell is an id.
    """
    header_norm = [normalise_header(c) for c in sheet.rows[hidx]]
    cols = sorted(mapping.values())
    # a digit survives normalise_header, so a first cell with a digit is no repeat of a
    # header cell without one (ids): decided without normalising every row's id
    first_has_digit = _DIGIT.search(header_norm[cols[0]]) is not None
    keys = [mapping[f] for f in ("received", "event_date") if f in mapping]
    # the mapped cells of a row that reaches the last mapped column, in one call
    width, pick = cols[-1] + 1, itemgetter(*cols) if len(cols) > 1 else lambda r: (r[cols[0]],)
    rows, numbers, skipped = [], [], 0
    for row, number in zip(sheet.rows[hidx + 1 :], sheet.row_numbers[hidx + 1 :], strict=True):
        cells = pick(row) if len(row) >= width else [row[i] if i < len(row) else None for i in cols]
        if not any(cells):
            skipped += 1
            continue
        if len(cells) - cells.count(None) <= 2 and _is_footer(row, keys, cfg):
            skipped += 1
            continue
        if (
            cells[0] is not None
            and (first_has_digit or not isinstance(cells[0], str) or not _DIGIT.search(cells[0]))
            and normalise_header(cells[0]) == header_norm[cols[0]]
            and [normalise_header(c) for c in row] == header_norm
        ):
            skipped += 1
            continue
        rows.append(row)
        numbers.append(number)
    return rows, numbers, skipped


# --- readers per kind ---------------------------------------------------------------


def _direction(table: ExportTable, spec: SystemSpec, path: Path) -> ExportTable:
    """Mark rows whose direction column says they came in from the other party.

    Empty or unknown values count as outgoing (the file's organisation reported the row).
    """
    rows = table.rows
    if not spec.direction_field or spec.direction_field not in rows:
        return table
    values = map_text(rows[spec.direction_field], normalise_value)
    incoming = values.isin(spec.incoming).fillna(False).astype("boolean")
    unknown = values.notna() & ~values.isin(spec.incoming | spec.outgoing)
    if unknown.any():
        logger.warning(
            "%s: %d rader med okänt värde i riktningskolumnen; lästa som utgående",
            path.name,
            int(unknown.sum()),
        )
    rows = rows.assign(incoming=incoming)
    return ExportTable(rows, table.sheet, table.header_row, table.skipped_rows)


def _categories(table: ExportTable, spec: SystemSpec) -> ExportTable:
    """Give ``category`` where the source's category column names a codebook category
    (sources.yaml ``category.values``, compared ignoring case, "och", "&" and "/");
    other values give NA. A no-op for systems without category values."""
    if not spec.category_values:
        return table
    norm = map_text(table.rows["category_text"], normalise_category_value)
    cat = norm.map(spec.category_values).astype("string")
    return ExportTable(
        table.rows.assign(category=cat), table.sheet, table.header_row, table.skipped_rows
    )


def read_grid(path: Path, data: bytes, spec: SystemSpec, cfg: SourceConfig) -> ExportTable:
    """A table with a header row and the system's own ids (reader kind "grid").

    A direction column (e.g. LifeCare ``Riktning`` = Inkommande) marks rows reported by
    the other party; a category column (e.g. Ritz ``Orsak``) gives ``category``.
    """
    table = _direction(generic_read(path, data, spec, cfg), spec, path)
    return finish(_categories(table, spec))


def form_source_key(received: pd.Series, description: pd.Series) -> pd.Series:
    """The source key of form rows (which have no id of their own).

    ``"<received YYYY-MM-DD>|<sha1 of the case-folded, space-collapsed raw description>[:16]"``
    (received falls back to the event date); NA where the date or the description is
    missing (such rows are quarantined anyway). Identical submissions share a key and are
    counted as duplicates.
    """
    norm = map_text(description, normalise_value)
    digest = map_text(norm, lambda t: hashlib.sha1(t.encode("utf-8")).hexdigest()[:16])
    return (received.dt.strftime("%Y-%m-%d").astype("string") + "|" + digest).astype("string")


def read_form(path: Path, data: bytes, spec: SystemSpec, cfg: SourceConfig) -> ExportTable:
    """An export without ids (reader kind "form", the direct reporting form): the key is
    the received date plus the text (``form_source_key``)."""
    table = _categories(_direction(generic_read(path, data, spec, cfg), spec, path), spec)
    rows = table.rows
    date = rows["received"].fillna(rows["event_date"])
    rows = rows.assign(source_id=form_source_key(date, rows["description"]))
    return finish(ExportTable(rows, table.sheet, table.header_row, table.skipped_rows))


Reader = Callable[[Path, bytes, SystemSpec, SourceConfig], ExportTable]

# reader kind (sources.yaml ``reader:``, catalog.READER_KINDS) -> reader
READERS: dict[str, Reader] = {"grid": read_grid, "form": read_form}
