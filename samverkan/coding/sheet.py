"""The analysts' coding spreadsheet (data/coding/TERM/kodning.xlsx): create, extend, read back.

The sheet is the analysts' work. The rules that keep it safe:

- columns are found by their header text, never by position, so analysts may reorder or
  add columns of their own (unknown columns are left alone);
- analyst columns ("A1: ...", "A2: ...") are never written once a row exists: new rows get
  empty analyst cells, new causes get new columns appended at the right;
- cases that left the underlying data are flagged in "Status i underlaget", never deleted;
- the program's own columns (case facts, suggestions, status) may be refreshed;
- the file is written atomically, and the previous version is kept as kodning.bak.xlsx.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from samverkan.coding.autocode import code_and_categorise, fold
from samverkan.coding.codebook import Codebook
from samverkan.project.atomic import workbook_bytes, write_bytes_atomic
from samverkan.project.errors import InputError

log = logging.getLogger(__name__)

SHEET = "Kodning"
CODEBOOK_SHEET = "Kodbok"
REMOVED = "borttaget ur underlaget"
ANALYSTS = ("A1", "A2")
_VALIDATION_ROWS = 2000  # validation reaches this many rows below the last case

# program-owned fact columns: key -> header
FACT_HEADERS: dict[str, str] = {
    "case_id": "Ärende-id",
    "term": "Termin",
    "received": "Inkommen",
    "organisation": "Organisation",
    "source_category": "Kategori i källan",
    "description": "Beskrivning (avidentifierad)",
    "action": "Åtgärd",
    "status": "Status i underlaget",
    "sug:category": "Förslag: kategori",
}
_ANALYST_FIELDS = {  # suffix key -> header suffix
    "none": "inga orsaker",
    "category": "kategori",
    "comment": "kommentar",
    "quote_ok": "citat godkänt",
    "quote": "citat (tomt = hela beskrivningen)",
}
_ANALYST_FIELDS_2 = ("none", "category")  # analyst 2 codes only, for agreement
_ID_HEADER = re.compile(r"^(Förslag|A1|A2):.*\[([a-z0-9_]+)\]\s*$")
_TRUE = {"x", "1", "ja", "j", "sant", "true", "yes", "✓", "✔"}
_FALSE = {"", "0", "nej", "n", "falskt", "false", "no", "-"}


@dataclass
class SheetUpdate:
    """What :func:`update_sheet` did."""

    path: Path
    created: bool
    n_rows: int
    added: int = 0
    flagged_removed: int = 0
    restored: int = 0
    new_columns: list[str] = field(default_factory=list)


def _cause_header(prefix: str, cause_id: str, label: str) -> str:
    return f"{prefix}: {label} [{cause_id}]"


def wanted_columns(codebook: Codebook) -> list[tuple[str, str]]:
    """(key, header) of every column the program wants, in creation order."""
    cols = list(FACT_HEADERS.items())
    cols += [(f"sug:{c.id}", _cause_header("Förslag", c.id, c.label)) for c in codebook.causes]
    for analyst in ANALYSTS:
        a = analyst.lower()
        cols += [(f"{a}:{c.id}", _cause_header(analyst, c.id, c.label)) for c in codebook.causes]
        for suffix, text in _ANALYST_FIELDS.items():
            if analyst == "A1" or suffix in _ANALYST_FIELDS_2:
                cols.append((f"{a}:{suffix}", f"{analyst}: {text}"))
    return cols


_FIXED_KEYS = {text.lower(): key for key, text in FACT_HEADERS.items()} | {
    f"{analyst}: {text}".lower(): f"{analyst.lower()}:{suffix}"
    for analyst in ANALYSTS
    for suffix, text in _ANALYST_FIELDS.items()
}


def header_key(header: Any) -> str | None:
    """The key of a header cell ("case_id", "sug:sip", "a1:comment" ...), or None for a
    column the program does not know (an analyst's own column)."""
    if not isinstance(header, str):
        return None
    text = header.strip()
    m = _ID_HEADER.match(text)
    if m:
        prefix = {"Förslag": "sug", "A1": "a1", "A2": "a2"}[m.group(1)]
        return f"{prefix}:{m.group(2)}"
    return _FIXED_KEYS.get(text.lower())


def _no_id_column(path: Path) -> InputError:
    return InputError(
        path, f"bladet {SHEET} saknar kolumnen '{FACT_HEADERS['case_id']}'", "Återställ rubrikraden"
    )


def header_map(ws: Worksheet, path: Path) -> dict[str, int]:
    """Column number of every known header of the coding sheet (an error if one repeats)."""
    keys: dict[str, int] = {}
    for cell in ws[1]:
        key = header_key(cell.value)
        if key is None:
            continue
        if key in keys:
            raise InputError(
                path,
                f"bladet {SHEET}: kolumn {get_column_letter(cell.column)} har samma rubrik som "
                f"kolumn {get_column_letter(keys[key])}",
                "Ta bort eller byt namn på den ena (flytta först över eventuella koder)",
            )
        keys[key] = cell.column
    if "case_id" not in keys:
        raise _no_id_column(path)
    return keys


def _str(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _fact_values(row: pd.Series, suggested: set[str], category: str) -> dict[str, Any]:
    received = row.get("received")
    received = pd.Timestamp(received).to_pydatetime() if not pd.isna(received) else None
    values: dict[str, Any] = {
        "case_id": str(row["case_id"]),
        "term": _str(row.get("term")),
        "received": received,
        "organisation": _str(row.get("organisation")),
        "source_category": _str(row.get("category")),
        "description": _str(row.get("description")),
        "action": _str(row.get("action")),
        "status": None,
        "sug:category": category,
    }
    return values | {f"sug:{c}": "x" for c in suggested}


def _style_header(ws: Worksheet, col: int, key: str) -> None:
    cell = ws.cell(row=1, column=col)
    cell.font = Font(bold=True)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if key.startswith("a1:"):
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    elif key.startswith("a2:"):
        cell.fill = PatternFill("solid", fgColor="E2EFDA")
    elif key.startswith("sug:"):
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    width = {
        "description": 70,
        "action": 40,
        "case_id": 20,
        "a1:comment": 40,
        "a1:quote": 50,
        "status": 16,
        "received": 12,
        "organisation": 16,
        "source_category": 18,
        "sug:category": 18,
        "a1:category": 18,
        "a2:category": 18,
    }.get(key, 11)
    ws.column_dimensions[get_column_letter(col)].width = width


def _apply_validation(ws: Worksheet, keys: dict[str, int], codebook: Codebook) -> None:
    """(Re)create the drop-down lists on the analyst columns."""
    ws.data_validations.dataValidation = []
    last = ws.max_row + _VALIDATION_ROWS
    tick = DataValidation(type="list", formula1='"x"', allow_blank=True)
    tick.error = "Skriv x eller lämna tomt"
    tick.errorTitle = "Ogiltigt värde"
    cats = ",".join(c.label for c in codebook.categories)
    category = DataValidation(type="list", formula1=f'"{cats}"', allow_blank=True)
    category.error = "Välj en kategori ur listan"
    category.errorTitle = "Ogiltig kategori"
    for key, col in keys.items():
        if not key.startswith(("a1:", "a2:")):
            continue
        letter = get_column_letter(col)
        rng = f"{letter}2:{letter}{last}"
        suffix = key.split(":", 1)[1]
        if suffix == "category":
            category.add(rng)
        elif suffix in {"comment", "quote"}:
            continue
        else:
            tick.add(rng)
    ws.add_data_validation(tick)
    ws.add_data_validation(category)


def _write_codebook_sheet(wb: Workbook, codebook: Codebook) -> None:
    if CODEBOOK_SHEET in wb.sheetnames:
        del wb[CODEBOOK_SHEET]
    ws = wb.create_sheet(CODEBOOK_SHEET)
    ws.append([f"Kodbok version {codebook.version}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    headers = ["Typ", "Id", "Etikett", "Kategori", "Definition", "Ta med", "Ta inte med"]
    ws.append(headers)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    cat_labels = codebook.category_labels()
    for c in codebook.categories:
        ws.append(["kategori", c.id, c.label, "", c.definition, "", ""])
    for c in codebook.causes:
        ws.append(
            ["orsak", c.id, c.label, cat_labels.get(c.category, c.category), c.definition,
             c.inclusion, c.exclusion]
        )  # fmt: skip
    ws.append([])
    ws.append(["Så fyller du i", "", "x i en orsakskolumn = orsaken finns. 'inga orsaker' = kodat, "
               "utan orsak. Citat publiceras bara med x i 'citat godkänt'."])  # fmt: skip
    for letter, width in zip("ABCDEFG", (10, 18, 28, 28, 70, 50, 50), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"


def _check_not_open(sheet_path: Path) -> None:
    lock = sheet_path.with_name(f"~${sheet_path.name}")
    if lock.exists():
        raise InputError(
            sheet_path,
            "arket är öppet i Excel (en låsfil ~$ ligger bredvid)",
            "Spara och stäng det i Excel och kör sedan igen",
        )


def _unreadable(sheet_path: Path, exc: Exception) -> InputError:
    return InputError(
        sheet_path,
        f"kan inte läsas som en Excel-arbetsbok ({type(exc).__name__})",
        "Återställ den från kodning.bak.xlsx eller från DVC",
    )


def _no_coding_sheet(sheet_path: Path) -> InputError:
    return InputError(sheet_path, f"saknar bladet {SHEET}", "Ge kodningsbladet tillbaka sitt namn")


def _case_facts(cases: pd.DataFrame, codebook: Codebook) -> dict[str, dict[str, Any]]:
    """The program's column values of each case, by case id, in sheet order."""
    cases = cases.sort_values(["received", "case_id"], kind="stable").reset_index(drop=True)
    suggestions, categories = code_and_categorise(cases["description"].tolist(), codebook)
    cat_labels = codebook.category_labels()
    return {
        str(row["case_id"]): _fact_values(row, sug, cat_labels.get(cat, cat))
        for (_, row), sug, cat in zip(cases.iterrows(), suggestions, categories, strict=True)
    }


def _new_workbook(wanted: list[tuple[str, str]]) -> tuple[Workbook, Worksheet, dict[str, int]]:
    """A workbook with the coding sheet's header row: (workbook, sheet, column by key)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for col, (key, header) in enumerate(wanted, start=1):
        ws.cell(row=1, column=col, value=header)
        _style_header(ws, col, key)
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 60
    return wb, ws, {key: col for col, (key, _) in enumerate(wanted, start=1)}


def _open_workbook(sheet_path: Path) -> tuple[Workbook, Worksheet, tuple[Any, Any]]:
    """The existing workbook, its coding sheet and its document times (created, modified)."""
    try:
        wb = load_workbook(sheet_path)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(sheet_path, exc) from None
    if SHEET not in wb.sheetnames:
        raise _no_coding_sheet(sheet_path)
    return wb, wb[SHEET], (wb.properties.created, wb.properties.modified)


def _add_missing_columns(
    ws: Worksheet, keys: dict[str, int], wanted: list[tuple[str, str]], result: SheetUpdate
) -> None:
    """Append a column at the right for every wanted column the sheet lacks."""
    for key, header in wanted:
        if key not in keys:
            col = ws.max_column + 1
            ws.cell(row=1, column=col, value=header)
            _style_header(ws, col, key)
            keys[key] = col
            result.new_columns.append(header)


def _row_case_id(ws: Worksheet, r: int, id_col: int) -> str | None:
    """The case id of sheet row ``r`` (stripped), None for a row without one."""
    case_id = _str(ws.cell(row=r, column=id_col).value)
    if not case_id or not case_id.strip():
        return None
    return case_id.strip()


def _refresh_rows(
    ws: Worksheet,
    keys: dict[str, int],
    facts: dict[str, dict[str, Any]],
    sheet_path: Path,
    result: SheetUpdate,
) -> dict[str, int]:
    """Refresh the program's columns of existing rows; flag (or unflag) removed cases.

    Analyst columns are never written. Returns the sheet row of every case id found.
    """
    seen: dict[str, int] = {}
    program_keys = [k for k in keys if k in FACT_HEADERS or k.startswith("sug:")]
    for r in range(2, ws.max_row + 1):
        case_id = _row_case_id(ws, r, keys["case_id"])
        if case_id is None:
            continue
        if case_id in seen:
            raise InputError(
                sheet_path,
                f"bladet {SHEET}: raderna {seen[case_id]} och {r} har samma ärende-id",
                "Slå ihop de två raderna till en och ta bort den andra",
            )
        seen[case_id] = r
        status_cell = ws.cell(row=r, column=keys["status"])
        if case_id not in facts:
            if status_cell.value != REMOVED:
                status_cell.value = REMOVED
                result.flagged_removed += 1
            continue
        if status_cell.value == REMOVED:
            result.restored += 1
        values = facts[case_id]
        for key in program_keys:
            ws.cell(row=r, column=keys[key]).value = values.get(key)  # None clears
    return seen


def _append_rows(
    ws: Worksheet,
    keys: dict[str, int],
    facts: dict[str, dict[str, Any]],
    seen: dict[str, int],
    result: SheetUpdate,
) -> None:
    """Append the cases not yet in the sheet, with empty analyst cells."""
    next_row = ws.max_row + 1
    for case_id, values in facts.items():
        if case_id in seen:
            continue
        for key, value in values.items():
            if key in keys:
                ws.cell(row=next_row, column=keys[key], value=value)
        ws.cell(row=next_row, column=keys["received"]).number_format = "yyyy-mm-dd"
        for key in ("description", "action"):
            ws.cell(row=next_row, column=keys[key]).alignment = Alignment(
                wrap_text=True, vertical="top"
            )
        next_row += 1
        result.added += 1


def _save(wb: Workbook, sheet_path: Path, created: bool, times: tuple[Any, Any]) -> None:
    """Keep the previous file as kodning.bak.xlsx, then write the workbook atomically.

    The document times stay those of the file read (the analyst's last save in Excel), so
    the same sheet and cases always give the same bytes.
    """
    if not created:
        shutil.copy2(sheet_path, sheet_path.with_name(sheet_path.stem + ".bak.xlsx"))
    write_bytes_atomic(sheet_path, workbook_bytes(wb, created=times[0], modified=times[1]))


def update_sheet(cases: pd.DataFrame, sheet_path: Path, codebook: Codebook) -> SheetUpdate:
    """Create the coding sheet, or extend it without touching any analyst's edit.

    New cases are appended; cases no longer in ``cases`` are flagged "borttaget ur
    underlaget" (and unflagged if they come back); suggestions and case facts are refreshed;
    analyst cells of existing rows are never written; a new cause adds columns at the right.
    """
    sheet_path = Path(sheet_path)
    _check_not_open(sheet_path)
    facts = _case_facts(cases, codebook)
    wanted = wanted_columns(codebook)
    created = not sheet_path.exists()
    result = SheetUpdate(path=sheet_path, created=created, n_rows=0)
    times: tuple[Any, Any] = (None, None)
    if created:
        wb, ws, keys = _new_workbook(wanted)
    else:
        wb, ws, times = _open_workbook(sheet_path)
        keys = header_map(ws, sheet_path)
        _add_missing_columns(ws, keys, wanted, result)
    seen = _refresh_rows(ws, keys, facts, sheet_path, result)
    _append_rows(ws, keys, facts, seen, result)
    _apply_validation(ws, keys, codebook)
    _write_codebook_sheet(wb, codebook)
    wb.active = wb.sheetnames.index(SHEET)
    result.n_rows = len(seen) + result.added
    _save(wb, sheet_path, created, times)
    log.info(
        "kodningsarket %s: %d rader, %d tillagda, %d markerade som borttagna, %d nya kolumner",
        "skapat" if created else "uppdaterat",
        result.n_rows,
        result.added,
        result.flagged_removed,
        len(result.new_columns),
    )
    return result


def _tick(value: Any, where: str, path: Path) -> bool:
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value in (0, 1):
            return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(
        path, f"{where} innehåller ett värde som inte är en bock", "Skriv x eller lämna tomt"
    )


def _category(value: Any, where: str, path: Path, codebook: Codebook) -> str | None:
    text = _str(value)
    if text is None or not text.strip():
        return None
    wanted = fold(text.strip())
    for c in codebook.categories:
        if wanted in (fold(c.id), fold(c.label)):
            return c.id
    raise InputError(path, f"{where} är ingen kategori i kodboken", "Välj en kategori ur listan")


def _sheet_rows(sheet_path: Path) -> list[tuple]:
    """The values of every row of the coding sheet, the header row first."""
    try:
        wb = load_workbook(sheet_path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(
            sheet_path, "kodningsarket finns inte", "Skapa det med samverkan coding-sheet"
        ) from None
    except Exception as exc:
        raise _unreadable(sheet_path, exc) from None
    try:
        if SHEET not in wb.sheetnames:
            raise _no_coding_sheet(sheet_path)
        rows = list(wb[SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise InputError(sheet_path, f"bladet {SHEET} är tomt", "Återställ rubrikraden")
    return rows


@dataclass(frozen=True)
class _RowReader:
    """Reads the analysts' cells of one sheet's rows by column key."""

    path: Path
    header: tuple
    keys: dict[str, int]  # key -> 0-based column index (the first of repeated headers)
    codebook: Codebook

    @classmethod
    def of(cls, sheet_path: Path, header: tuple, codebook: Codebook) -> _RowReader:
        keys: dict[str, int] = {}
        for i, h in enumerate(header):
            key = header_key(h)
            if key is not None and key not in keys:
                keys[key] = i
        if "case_id" not in keys:
            raise _no_id_column(sheet_path)
        return cls(sheet_path, header, keys, codebook)

    def cell(self, row: tuple, key: str) -> Any:
        i = self.keys.get(key)
        return row[i] if i is not None and i < len(row) else None

    def where(self, r: int, key: str) -> str:
        """Sheet, row and column of a cell for an error line (never its value)."""
        col = self.keys.get(key, 0)
        return f"bladet {SHEET}, rad {r}, kolumn {get_column_letter(col + 1)} ({self.header[col]})"

    def tick(self, row: tuple, r: int, key: str) -> bool:
        return _tick(self.cell(row, key), self.where(r, key), self.path)

    def analyst(self, row: tuple, r: int, a: str) -> dict[str, Any]:
        """One analyst's codes of a row: causes, "inga orsaker", category and coded."""
        rec: dict[str, Any] = {
            f"{a}_{c}": self.tick(row, r, f"{a}:{c}") for c in self.codebook.cause_ids
        }
        any_cause = any(rec.values())
        rec[f"{a}_none"] = self.tick(row, r, f"{a}:none")
        key = f"{a}:category"
        rec[f"{a}_category"] = _category(
            self.cell(row, key), self.where(r, key), self.path, self.codebook
        )
        rec[f"{a}_coded"] = any_cause or rec[f"{a}_none"]
        return rec

    def record(self, row: tuple, r: int, case_id: str) -> dict[str, Any]:
        """The analysts' edits of one row (see :func:`read_sheet`)."""
        rec: dict[str, Any] = {"case_id": case_id, "removed": self.cell(row, "status") == REMOVED}
        for a in ("a1", "a2"):
            rec |= self.analyst(row, r, a)
        rec["a1_comment"] = _str(self.cell(row, "a1:comment"))
        rec["quote_approved"] = self.tick(row, r, "a1:quote_ok")
        quote = _str(self.cell(row, "a1:quote"))
        rec["quote"] = quote.strip() if quote and quote.strip() else None
        return rec


_TEXT_COLUMNS = ("case_id", "a1_category", "a2_category", "a1_comment", "quote")


def _sheet_frame(records: list[dict[str, Any]], codebook: Codebook) -> pd.DataFrame:
    """The records as a table with fixed columns: booleans and nullable strings."""
    columns = ["case_id", "removed"]
    for a in ("a1", "a2"):
        columns += [f"{a}_{c}" for c in codebook.cause_ids]
        columns += [f"{a}_none", f"{a}_category", f"{a}_coded"]
    columns += ["a1_comment", "quote_approved", "quote"]
    df = pd.DataFrame.from_records(records, columns=columns)
    bool_cols = [c for c in columns if c not in _TEXT_COLUMNS]
    df[bool_cols] = df[bool_cols].astype(bool)
    for c in _TEXT_COLUMNS:
        df[c] = df[c].astype("string")
    return df


def read_sheet(sheet_path: Path, codebook: Codebook) -> pd.DataFrame:
    """The analysts' edits, one row per case in the sheet.

    Columns: case_id, removed (flagged as no longer in the data), for a in (a1, a2):
    ``{a}_{cause}`` (bool) for every cause of the codebook, ``{a}_none`` (bool, explicitly
    "inga orsaker"), ``{a}_category`` (category id or NA), ``{a}_coded`` (bool: at least one
    cause or "inga orsaker"); and a1_comment, quote_approved (bool), quote (the approved
    excerpt as pasted, NA when empty). A value that is not understood raises an InputError
    naming the sheet, row and column (never the value).
    """
    sheet_path = Path(sheet_path)
    rows = _sheet_rows(sheet_path)
    reader = _RowReader.of(sheet_path, rows[0], codebook)
    records = []
    seen: set[str] = set()
    for r, row in enumerate(rows[1:], start=2):
        case_id = _str(reader.cell(row, "case_id"))
        if not case_id or not case_id.strip():
            continue
        case_id = case_id.strip()
        if case_id in seen:
            raise InputError(
                sheet_path,
                f"bladet {SHEET}: ärende-id:t på rad {r} förekommer två gånger",
                "Slå ihop raderna",
            )
        seen.add(case_id)
        records.append(reader.record(row, r, case_id))
    return _sheet_frame(records, codebook)
