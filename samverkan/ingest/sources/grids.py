"""Low-level reading: bytes of a CSV or xlsx export -> a grid of text cells -> a header row.

Nothing here knows about systems beyond the set of header aliases it is given.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from samverkan.ingest.sources.catalog import normalise_header
from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

Grid = list[list[str | None]]
DELIMITERS = (";", ",", "\t")
_SNIFF_CHARS = 200_000
_SNIFF_ROWS = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

csv.field_size_limit(2**31 - 1)


@dataclass(frozen=True)
class Sheet:
    """One table found in a file: its rows as text cells, with 1-based row numbers."""

    name: str | None  # sheet name for xlsx, None for CSV
    rows: Grid
    row_numbers: list[int]


def decode_text(data: bytes, path: object) -> tuple[str, str]:
    """Decode CSV bytes: BOM (UTF-8/UTF-16), then strict UTF-8, then Windows-1252.

    Returns (text, encoding). Raises InputError for binary content.
    """
    if data.startswith(codecs.BOM_UTF8):
        text, enc = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, enc = data.decode("utf-16", errors="replace"), "utf-16"
    else:
        if b"\x00" in data[:_SNIFF_CHARS]:
            raise _not_text(path)
        try:
            text, enc = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, enc = _utf8_or_cp1252(data)
    sample = text[:_SNIFF_CHARS]
    if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
        raise _not_text(path)
    if "\ufffd" in sample and sample.count("\ufffd") > max(2, len(sample) // 100):
        raise _not_text(path)
    return unicodedata.normalize("NFC", text), enc


def _utf8_or_cp1252(data: bytes) -> tuple[str, str]:
    """Bytes that are not clean UTF-8: mostly UTF-8 with a few stray bytes (a file edited
    in two programs) stays UTF-8 with the bad bytes replaced; anything else is read as
    Windows-1252 (Excel's "CSV (semikolonavgränsad)" on Swedish Windows)."""
    as_utf8 = data.decode("utf-8", errors="replace")
    bad = as_utf8.count("\ufffd")
    # characters above 0x7F other than U+FFFD (counted without a list of them)
    multibyte = len(as_utf8) - len(as_utf8.encode("ascii", "ignore")) - bad
    if multibyte >= 10 * bad:
        return as_utf8, "utf-8 (med ogiltiga byte)"
    # Windows-1252 leaves five bytes undefined; they become U+FFFD.
    return data.decode("cp1252", errors="replace"), "cp1252"


def _not_text(path: object) -> InputError:
    return InputError(
        path,
        "filen är varken en textfil (CSV) eller en Excel-fil (.xlsx); den kan vara skadad",
        "Exportera filen på nytt från systemet som CSV eller .xlsx",
    )


def _cells(row: Sequence[str]) -> list[str | None]:
    return [c.strip() or None for c in row]


def _parse_csv(text: str, delimiter: str, limit_rows: int | None = None) -> Grid:
    return _parse_csv_lines(text, delimiter, limit_rows)[0]


def _parse_csv_lines(
    text: str, delimiter: str, limit_rows: int | None = None
) -> tuple[Grid, list[int]]:
    """(records, physical line each record starts on)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    rows: Grid = []
    starts: list[int] = []
    previous = 0
    for row in reader:
        rows.append(_cells(row))
        starts.append(previous + 1)
        previous = reader.line_num
        if limit_rows is not None and len(rows) >= limit_rows:
            break
    return rows, starts


def check_swallowed_rows(rows: Grid, starts: list[int], path: object) -> None:
    """Refuse a CSV whose physical rows and parsed records disagree because of a quote.

    A quoted cell may hold line breaks (a description typed with Alt+Enter), and such a
    record still has the file's usual number of fields. A record that spans several
    physical lines with another number of fields is a quote without its closing quote
    that swallowed the following rows: the file is refused (InputError naming the
    physical line of the quote) instead of losing those rows without a word.
    """
    if starts and starts[-1] == len(starts) and not any(c and "\n" in c for c in rows[-1]):
        return  # every record is one physical line (each starts one after the other)
    widths = [
        len(r)
        for r in rows
        if sum(c is not None for c in r) > 1 and not any(c and "\n" in c for c in r)
    ]
    if not widths:
        return
    width = max(sorted(set(widths), reverse=True), key=widths.count)  # of one-line records
    for row, start in zip(rows, starts, strict=True):
        lines = sum(c.count("\n") for c in row if c) + 1
        if lines == 1 or len(row) == width:
            continue
        raise InputError(
            path,
            f'ett citattecken (") utan motsvarande slut på rad {start} gör att {lines} rader '
            f"lästs som en enda post med {len(row)} i stället för {width} fält",
            f"Rätta eller ta bort citattecknet på rad {start} (räknat i en textredigerare), "
            "eller exportera filen på nytt, och kör igen",
        )


def header_score(
    row: Sequence[str | None], aliases: dict[str, tuple[str, int]], max_words: int | None = None
) -> int:
    """How many distinct canonical fields the cells of ``row`` name.

    ``max_words``: the most words of any alias. A cell with more than one word beyond it
    (a trailing colon may be a word of its own) cannot name a field once normalised, as
    normalising only joins or splits words further; such cells (descriptions in the rows
    searched for the header) are passed over without normalising them."""
    if max_words is None:
        max_words = _max_words(aliases)
    found = set()
    for c in row:
        if not c or (len(c) > 40 and len(c.split(None, max_words + 1)) > max_words + 1):
            continue
        h = normalise_header(c)
        if h in aliases:
            found.add(aliases[h][0])
    return len(found)


def _max_words(aliases: dict[str, tuple[str, int]]) -> int:
    return max((len(a.split()) for a in aliases), default=0)


def _best_header(rows: Grid, aliases: dict[str, tuple[str, int]], search: int) -> tuple[int, int]:
    """(index, score) of the first row with the highest header score among the first rows."""
    best_i, best_s = -1, 0
    max_words = _max_words(aliases)
    for i, row in enumerate(rows[:search]):
        s = header_score(row, aliases, max_words)
        if s > best_s:
            best_i, best_s = i, s
    return best_i, best_s


def read_csv_sheet(
    data: bytes, path: object, aliases: dict[str, tuple[str, int]], search: int
) -> Sheet:
    """Decode, sniff the delimiter (the one under which a header row is best recognised,
    then the most consistent field count) and parse the whole file."""
    text, enc = decode_text(data, path)
    if not text.strip():
        raise InputError(path, "filen är tom", "Exportera filen på nytt från systemet")
    sample = text[:_SNIFF_CHARS]
    best: tuple[int, int, str] | None = None
    for d in DELIMITERS:
        try:
            rows = _parse_csv(sample, d, limit_rows=_SNIFF_ROWS)
        except csv.Error:
            continue
        _, score = _best_header(rows, aliases, search)
        widths = [len(r) for r in rows if any(r)]
        consistent = max((widths.count(w) for w in set(widths) if w > 1), default=0)
        key = (score, consistent, d)
        if best is None or key[:2] > best[:2]:
            best = key
    delimiter = best[2] if best else ";"
    try:
        rows, starts = _parse_csv_lines(text, delimiter)
    except csv.Error:
        raise InputError(
            path,
            "filen kan inte tolkas som CSV",
            "Öppna den i Excel och spara som CSV (semikolonavgränsad) eller .xlsx",
        ) from None
    check_swallowed_rows(rows, starts, path)
    logger.debug("read CSV: encoding %s, delimiter %r, %d rows", enc, delimiter, len(rows))
    return Sheet(None, rows, list(range(1, len(rows) + 1)))


def _excel_cell(v: object) -> str | None:
    if type(v) is str:  # most cells: first, before the checks for other types
        s = v.strip()
        return s if s else None
    if v is None:
        return None
    if isinstance(v, bool):
        return "ja" if v else "nej"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return None
    if isinstance(v, float):
        if v != v:  # NaN
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    s = str(v).strip()
    return s if s else None


def read_xlsx_sheets(data: bytes, path: object) -> list[Sheet]:
    """All worksheets of an xlsx file as grids of text (Excel dates become ISO text).

    Read with calamine (Rust; about twenty times faster than openpyxl on a large export);
    a workbook calamine cannot open is tried with openpyxl before it is refused, so the
    faster reader never refuses a file the project used to read."""
    try:
        return _calamine_sheets(data, path)
    except _CalamineFailed:
        logger.debug("calamine could not read the workbook; trying openpyxl")
        return _openpyxl_sheets(data, path)


class _CalamineFailed(Exception):
    """calamine could not open or read the workbook."""


def _calamine_sheets(data: bytes, path: object) -> list[Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

    wb = None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        sheets = []
        for name in names:
            cells = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            # text cells (most) converted in place, the others by _excel_cell
            rows: Grid = [
                [(v.strip() or None) if type(v) is str else _excel_cell(v) for v in row]
                for row in cells
            ]
            sheets.append(Sheet(name, rows, list(range(1, len(rows) + 1))))
    except (CalamineError, ValueError, OSError) as exc:
        raise _CalamineFailed from exc
    finally:
        if wb is not None:
            with contextlib.suppress(CalamineError):
                wb.close()
    return sheets


def _openpyxl_sheets(data: bytes, path: object) -> list[Sheet]:
    import openpyxl  # imported here: slow to import and only needed for xlsx

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for corrupt files
        raise InputError(
            path,
            f"Excel-filen kan inte öppnas ({type(exc).__name__})",
            "Öppna den i Excel, spara som .xlsx på nytt och kör igen",
        ) from None
    sheets = []
    try:
        for number, ws in enumerate(wb.worksheets, start=1):
            rows: Grid = []
            try:
                for row in ws.iter_rows(values_only=True):
                    rows.append([_excel_cell(v) for v in row])
            except Exception as exc:
                raise InputError(
                    path,
                    f"blad nr {number} kan inte läsas ({type(exc).__name__})",
                    "Öppna filen i Excel, spara som .xlsx på nytt och kör igen",
                ) from None
            sheets.append(Sheet(ws.title, rows, list(range(1, len(rows) + 1))))
    finally:
        wb.close()
    return sheets


def read_sheets(
    data: bytes, path: Path, aliases: dict[str, tuple[str, int]], search: int
) -> list[Sheet]:
    """The candidate tables of a file, judged by its content (not only its extension)."""
    if not data or not data.strip():
        raise InputError(path, "filen är tom", "Exportera filen på nytt från systemet")
    if data[:4] == b"PK\x03\x04":
        try:
            zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise _not_text(path) from None
        if path.suffix.lower() != ".xlsx":
            logger.warning("%s är en Excel-arbetsbok; läst som .xlsx", path.name)
        return read_xlsx_sheets(data, path)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(
            path,
            "filen är i det gamla Excel-formatet (.xls), som inte stöds",
            "Öppna den i Excel och spara som .xlsx eller CSV",
        )
    sheet = read_csv_sheet(data, path, aliases, search)
    if path.suffix.lower() == ".xlsx":
        # Not a workbook: some systems write CSV under an .xlsx name. Said only once it has
        # been read as text, so that a broken file gets one line (the error), not two.
        logger.warning("%s är ingen Excel-arbetsbok; läst som CSV", path.name)
    return [sheet]


def find_header(
    sheets: Sequence[Sheet],
    aliases: dict[str, tuple[str, int]],
    search: int,
    min_matches: int,
    path: object,
) -> tuple[Sheet, int]:
    """The sheet and row index of the best header row; InputError when none is recognisable."""
    best: tuple[int, Sheet, int] | None = None
    names = []
    for sheet in sheets:
        names.append(sheet.name)
        i, score = _best_header(sheet.rows, aliases, search)
        if best is None or score > best[0]:
            best = (score, sheet, i)
    if best is None or best[0] < min_matches:
        if all(not any(row) for sheet in sheets for row in sheet.rows):
            raise InputError(
                path, "filen är tom (inga ifyllda celler)", "Exportera filen på nytt från systemet"
            )
        # sheet names are not echoed: a sheet may be named after a person
        where = ""
        if any(n is not None for n in names):
            where = f" i något av filens {len(names)} blad"
        raise InputError(
            path,
            f"ingen igenkännbar rubrikrad{where} bland de första {search} raderna",
            "Kontrollera att det är rätt export och att kolumnrubrikerna finns med; "
            "lägg till nya rubriker som alias i config/sources.yaml",
        )
    return best[1], best[2]
