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


def header_map(ws: Worksheet, path: Path) -> dict[str, int]:
    keys: dict[str, int] = {}
    for cell in ws[1]:
        key = header_key(cell.value)
        if key is None:
            continue
        if key in keys:
            raise InputError(
                path,
                f"sheet {SHEET}: column {get_column_letter(cell.column)} repeats the header of "
                f"column {get_column_letter(keys[key])}",
                "Delete or rename one of them (move any codes into the other first)",
            )
        keys[key] = cell.column
    if "case_id" not in keys:
        raise InputError(
            path,
            f"sheet {SHEET} has no column '{FACT_HEADERS['case_id']}'",
            "Restore the header row",
        )
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
            "the sheet is open in Excel (a lock file ~$ lies beside it)",
            "Save and close it in Excel, then run again",
        )


def update_sheet(cases: pd.DataFrame, sheet_path: Path, codebook: Codebook) -> SheetUpdate:
    """Create the coding sheet, or extend it without touching any analyst's edit.

    New cases are appended; cases no longer in ``cases`` are flagged "borttaget ur
    underlaget" (and unflagged if they come back); suggestions and case facts are refreshed;
    analyst cells of existing rows are never written; a new cause adds columns at the right.
    """
    sheet_path = Path(sheet_path)
    _check_not_open(sheet_path)
    cases = cases.sort_values(["received", "case_id"], kind="stable").reset_index(drop=True)
    suggestions, categories = code_and_categorise(cases["description"].tolist(), codebook)
    cat_labels = codebook.category_labels()
    facts = {
        str(row["case_id"]): _fact_values(row, sug, cat_labels.get(cat, cat))
        for (_, row), sug, cat in zip(cases.iterrows(), suggestions, categories, strict=True)
    }
    wanted = wanted_columns(codebook)
    created = not sheet_path.exists()
    result = SheetUpdate(path=sheet_path, created=created, n_rows=0)

    times: tuple[Any, Any] = (None, None)
    if created:
        wb = Workbook()
        ws = wb.active
        ws.title = SHEET
        for col, (key, header) in enumerate(wanted, start=1):
            ws.cell(row=1, column=col, value=header)
            _style_header(ws, col, key)
        keys = {key: col for col, (key, _) in enumerate(wanted, start=1)}
        ws.freeze_panes = "B2"
        ws.row_dimensions[1].height = 60
    else:
        try:
            wb = load_workbook(sheet_path)
            times = (wb.properties.created, wb.properties.modified)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(
                sheet_path,
                f"cannot be read as an Excel workbook ({type(exc).__name__})",
                "Restore it from kodning.bak.xlsx or from DVC",
            ) from None
        if SHEET not in wb.sheetnames:
            raise InputError(
                sheet_path, f"has no sheet named {SHEET}", "Rename the coding sheet back"
            )
        ws = wb[SHEET]
        keys = header_map(ws, sheet_path)
        for key, header in wanted:
            if key not in keys:
                col = ws.max_column + 1
                ws.cell(row=1, column=col, value=header)
                _style_header(ws, col, key)
                keys[key] = col
                result.new_columns.append(header)

    # existing rows: refresh the program's columns only
    id_col = keys["case_id"]
    seen: dict[str, int] = {}
    program_keys = [k for k in keys if k in FACT_HEADERS or k.startswith("sug:")]
    for r in range(2, ws.max_row + 1):
        raw_id = ws.cell(row=r, column=id_col).value
        case_id = _str(raw_id)
        if not case_id or not case_id.strip():
            continue
        case_id = case_id.strip()
        if case_id in seen:
            raise InputError(
                sheet_path,
                f"sheet {SHEET}: rows {seen[case_id]} and {r} have the same case id",
                "Merge the two rows into one and delete the other",
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

    # new cases: append
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

    _apply_validation(ws, keys, codebook)
    _write_codebook_sheet(wb, codebook)
    wb.active = wb.sheetnames.index(SHEET)
    result.n_rows = len(seen) + result.added
    if not created:
        shutil.copy2(sheet_path, sheet_path.with_name(sheet_path.stem + ".bak.xlsx"))
    # The document times stay those of the file read (the analyst's last save in Excel), so
    # the same sheet and cases always give the same bytes.
    write_bytes_atomic(sheet_path, workbook_bytes(wb, created=times[0], modified=times[1]))
    log.info(
        "coding sheet %s: %d rows, %d added, %d flagged removed, %d new columns",
        "created" if created else "updated",
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
    raise InputError(path, f"{where} holds a value that is not a tick", "Write x or leave it empty")


def _category(value: Any, where: str, path: Path, codebook: Codebook) -> str | None:
    text = _str(value)
    if text is None or not text.strip():
        return None
    wanted = fold(text.strip())
    for c in codebook.categories:
        if wanted in (fold(c.id), fold(c.label)):
            return c.id
    raise InputError(
        path, f"{where} is not a category of the codebook", "Pick a category from the list"
    )


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
    try:
        wb = load_workbook(sheet_path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(
            sheet_path, "the coding sheet does not exist", "Create it with samverkan coding-sheet"
        ) from None
    except Exception as exc:
        raise InputError(
            sheet_path, f"cannot be read as an Excel workbook ({type(exc).__name__})",
            "Restore it from kodning.bak.xlsx or from DVC",
        ) from None  # fmt: skip
    try:
        if SHEET not in wb.sheetnames:
            raise InputError(
                sheet_path, f"has no sheet named {SHEET}", "Rename the coding sheet back"
            )
        rows = list(wb[SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise InputError(sheet_path, f"sheet {SHEET} is empty", "Restore the header row")
    header = rows[0]
    keys: dict[str, int] = {}
    for i, h in enumerate(header):
        key = header_key(h)
        if key is not None and key not in keys:
            keys[key] = i
    if "case_id" not in keys:
        raise InputError(
            sheet_path,
            f"sheet {SHEET} has no column '{FACT_HEADERS['case_id']}'",
            "Restore the header row",
        )

    def cell(row: tuple, key: str) -> Any:
        i = keys.get(key)
        return row[i] if i is not None and i < len(row) else None

    def where(r: int, key: str) -> str:
        col = keys.get(key, 0)
        return f"sheet {SHEET}, row {r}, column {get_column_letter(col + 1)} ({header[col]})"

    records = []
    seen: set[str] = set()
    for r, row in enumerate(rows[1:], start=2):
        case_id = _str(cell(row, "case_id"))
        if not case_id or not case_id.strip():
            continue
        case_id = case_id.strip()
        if case_id in seen:
            raise InputError(
                sheet_path, f"sheet {SHEET}: case id in row {r} appears twice", "Merge the rows"
            )
        seen.add(case_id)
        rec: dict[str, Any] = {"case_id": case_id, "removed": cell(row, "status") == REMOVED}
        for a in ("a1", "a2"):
            any_cause = False
            for c in codebook.cause_ids:
                key = f"{a}:{c}"
                rec[f"{a}_{c}"] = _tick(cell(row, key), where(r, key), sheet_path)
                any_cause |= rec[f"{a}_{c}"]
            rec[f"{a}_none"] = _tick(cell(row, f"{a}:none"), where(r, f"{a}:none"), sheet_path)
            rec[f"{a}_category"] = _category(
                cell(row, f"{a}:category"), where(r, f"{a}:category"), sheet_path, codebook
            )
            rec[f"{a}_coded"] = any_cause or rec[f"{a}_none"]
        rec["a1_comment"] = _str(cell(row, "a1:comment"))
        rec["quote_approved"] = _tick(cell(row, "a1:quote_ok"), where(r, "a1:quote_ok"), sheet_path)
        quote = _str(cell(row, "a1:quote"))
        rec["quote"] = quote.strip() if quote and quote.strip() else None
        records.append(rec)
    columns = ["case_id", "removed"]
    for a in ("a1", "a2"):
        columns += [f"{a}_{c}" for c in codebook.cause_ids]
        columns += [f"{a}_none", f"{a}_category", f"{a}_coded"]
    columns += ["a1_comment", "quote_approved", "quote"]
    df = pd.DataFrame.from_records(records, columns=columns)
    bool_cols = [
        c
        for c in columns
        if c not in {"case_id", "a1_category", "a2_category", "a1_comment", "quote"}
    ]
    df[bool_cols] = df[bool_cols].astype(bool)
    for c in ("case_id", "a1_category", "a2_category", "a1_comment", "quote"):
        df[c] = df[c].astype("string")
    return df
