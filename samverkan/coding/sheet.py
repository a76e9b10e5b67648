"""The analysts' coding spreadsheet (data/coding/TERM/kodning.xlsx): create, extend, read back.

The sheet is the analysts' work. The rules that keep it safe:

- columns are found by their header text, never by position, so analysts may reorder or
  add columns of their own (unknown columns are left alone);
- analyst columns ("A1: ...", "A2: ...") are never written once a row exists: new rows get
  empty analyst cells, new causes get new columns appended at the right;
- cases that left the underlying data are flagged in "Status i underlaget", never deleted;
  a case linked into the other party's report is flagged "sammanslaget med <id>" and its
  analysts' cells move to the kept case (see :mod:`samverkan.coding.sheet_guard`);
- code columns are recognised by the cause id in brackets; a header or a case id the
  program cannot place, or a tick it cannot read, stops the stage with one line;
- the program's own columns (case facts, suggestions, status) may be refreshed; the
  analysts' "Korrigerad text" is never written, nor are the follow-up columns
  (``FOLLOW_UP_HEADERS``: what came of the case and the date feedback was given, which
  override the export's own follow-up fields);
- every cell written is cleaned of illegal characters and never a formula (cells.py);
- the file is written atomically, 0600 in a 0700 folder, never while open in Excel or
  LibreOffice, and the previous version is kept as kodning.bak.xlsx.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.views import Selection
from openpyxl.worksheet.worksheet import Worksheet

from samverkan.coding import sheet_guard as guard
from samverkan.coding import suggest
from samverkan.coding.autocode import fold
from samverkan.coding.cells import (
    append_row,
    check_not_open,
    lock_files,
    private_dir,
    private_file,
    set_value,
)
from samverkan.coding.codebook import Codebook
from samverkan.coding.learned import CauseModel
from samverkan.project.atomic import workbook_bytes, write_bytes_atomic
from samverkan.project.errors import InputError

log = logging.getLogger(__name__)

SHEET = guard.SHEET
CODEBOOK_SHEET = "Kodbok"
_FIRST_CATEGORY_ROW = 4  # the Kodbok sheet lists the categories' labels in column C from here
_INLINE_LIST_MAX = 255  # Excel refuses a longer inline list (it "repairs" the workbook)
REMOVED = "borttaget ur underlaget"
MERGED = guard.MERGED
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
    # how sure each suggested cause is and the words behind it (see coding/suggest.py)
    "sug:strong": "Förslag: starka",
    "sug:possible": "Förslag: möjliga",
    "sug:why": "Förslag: grund (orden bakom förslaget)",
}
CORRECTED = ("corrected", "Korrigerad text")  # the analysts' own: never written
# the group's follow-up of each case (never written by the program): key -> header
FOLLOW_UP_HEADERS: dict[str, str] = {
    "fu:outcome": "Utfall (vad det ledde till)",
    "fu:feedback": "Återkoppling lämnad (datum)",
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
A1_A2_RULE = (
    "Vems kod räknas: A1 räknas när A1 har kryssat minst en orsak eller 'inga orsaker'; "
    "annars räknas A2 på samma sätt; annars används de automatiska förslagen. Kategorin: "
    "A1:s, annars A2:s, annars källans, annars förslaget. A2:s kryss används också för att "
    "mäta hur väl A1 och A2 stämmer överens (på fall som båda har kodat)."
)


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
    merged: int = 0  # rows flagged "sammanslaget med ..."
    carried: list[tuple[int, int]] = field(default_factory=list)  # (from row, to row)
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # both rows coded
    quote_not_carried: list[int] = field(default_factory=list)  # rows to approve anew
    readded: int = 0  # cases whose row had been deleted from the sheet


def _cause_header(prefix: str, cause_id: str, label: str) -> str:
    return f"{prefix}: {label} [{cause_id}]"


def wanted_columns(codebook: Codebook) -> list[tuple[str, str]]:
    """(key, header) of every column the program wants, in creation order."""
    cols = []
    for key, header in FACT_HEADERS.items():
        cols.append((key, header))
        if key == "description":
            cols.append(CORRECTED)
    cols += [(f"sug:{c.id}", _cause_header("Förslag", c.id, c.label)) for c in codebook.causes]
    for analyst in ANALYSTS:
        a = analyst.lower()
        cols += [(f"{a}:{c.id}", _cause_header(analyst, c.id, c.label)) for c in codebook.causes]
        for suffix, text in _ANALYST_FIELDS.items():
            if analyst == "A1" or suffix in _ANALYST_FIELDS_2:
                cols.append((f"{a}:{suffix}", f"{analyst}: {text}"))
    cols += list(FOLLOW_UP_HEADERS.items())
    return cols


_FIXED_KEYS = (
    {text.lower(): key for key, text in FACT_HEADERS.items()}
    | {CORRECTED[1].lower(): CORRECTED[0]}
    | {text.lower(): key for key, text in FOLLOW_UP_HEADERS.items()}
    | {
        f"{analyst}: {text}".lower(): f"{analyst.lower()}:{suffix}"
        for analyst in ANALYSTS
        for suffix, text in _ANALYST_FIELDS.items()
    }
)


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


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_keys(
    header: tuple, path: Path, codebook: Codebook | None, has_values: Callable[[int], bool]
) -> dict[str, int]:
    """Column number (1-based) of every known header; stops on a header that would lose
    codes (see :mod:`samverkan.coding.sheet_guard`) and on a repeated header. Without a
    codebook only the exact headers are recognised."""
    keys: dict[str, int] = {}
    for col, cell in enumerate(header, start=1):
        if not isinstance(cell, str):
            continue
        key = _FIXED_KEYS.get(guard.canonical(cell))
        if key is None and codebook is None:
            key = header_key(cell)
        elif key is None:
            found = guard.classify_header(cell.strip(), col, codebook)
            if isinstance(found, guard.HeaderProblem):
                raise guard.header_error(path, cell, found)
            if found is None or guard.check_unknown_code(
                path, found, col, cell, codebook, has_values
            ):
                continue
            key = found
        if key is None:
            continue
        if key in keys:
            raise InputError(
                path,
                f"bladet {SHEET}: kolumn {get_column_letter(col)} har samma rubrik som "
                f"kolumn {get_column_letter(keys[key])}",
                "Ta bort eller byt namn på den ena (flytta först över eventuella koder)",
            )
        keys[key] = col
    if "case_id" not in keys:
        raise _no_id_column(path)
    return keys


def header_map(ws: Worksheet, path: Path, codebook: Codebook | None = None) -> dict[str, int]:
    """Column number of every known header of the coding sheet (an error if one repeats)."""

    def has_values(col: int) -> bool:
        return any(not _empty(ws.cell(row=r, column=col).value) for r in range(2, ws.max_row + 1))

    return header_keys(tuple(c.value for c in ws[1]), path, codebook, has_values)


def _str(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _suggestion_values(found: dict[str, suggest.Suggestion], codebook: Codebook) -> dict:
    """The suggestion columns of one case: a tick per suggested cause, the strong and the
    possible ones by label, and per cause the words behind it and its strength."""
    labels = codebook.cause_labels()
    order = [c for c in codebook.cause_ids if c in found]
    strong = [labels[c] for c in order if found[c].strength == suggest.STRONG]
    possible = [labels[c] for c in order if found[c].strength != suggest.STRONG]
    why = [f"{labels[c]}: »{found[c].words}« ({found[c].strength})" for c in order]
    return {
        "sug:strong": ", ".join(strong) or None,
        "sug:possible": ", ".join(possible) or None,
        "sug:why": "; ".join(why) or None,
    } | {f"sug:{c}": "x" for c in order}


def _fact_values(row: pd.Series, category: str, labels: dict) -> dict:
    received = row.get("received")
    received = pd.Timestamp(received).to_pydatetime() if not pd.isna(received) else None
    source_category = _str(row.get("category"))
    values: dict[str, Any] = {
        "case_id": str(row["case_id"]),
        "term": _str(row.get("term")),
        "received": received,
        "organisation": _str(row.get("organisation")),
        "source_category": labels.get(source_category, source_category),
        "description": _str(row.get("description")),
        "action": _str(row.get("action")),
        "status": _str(row.get("status")),
        "sug:category": category,
    }
    return values


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
    elif key.startswith("fu:"):
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    width = {
        "description": 70,
        "corrected": 50,
        "action": 40,
        "case_id": 20,
        "a1:comment": 40,
        "a1:quote": 50,
        "fu:outcome": 40,
        "fu:feedback": 14,
        "status": 16,
        "received": 12,
        "organisation": 16,
        "source_category": 18,
        "sug:category": 18,
        "sug:strong": 18,
        "sug:possible": 18,
        "sug:why": 40,
        "a1:category": 18,
        "a2:category": 18,
    }.get(key, 11)
    ws.column_dimensions[get_column_letter(col)].width = width


def _category_list(codebook: Codebook) -> str:
    """The categories' drop-down source: the labels inline ("a,b,c") where Excel reads them
    so, else the range of the Kodbok sheet that lists them (a label with a comma or a
    quotation mark, or more than 255 characters in all, would break an inline list: Excel
    splits at every comma and refuses a longer list)."""
    labels = [c.label for c in codebook.categories]
    inline = ",".join(labels)
    if len(inline) <= _INLINE_LIST_MAX and not any("," in x or '"' in x for x in labels):
        return f'"{inline}"'
    last = _FIRST_CATEGORY_ROW + len(labels) - 1
    return f"'{CODEBOOK_SHEET}'!$C${_FIRST_CATEGORY_ROW}:$C${last}"


def _list_validation(values: str, error: str, title: str) -> DataValidation:
    """A drop-down list that rejects any other value with a Swedish message; ``values`` is
    the list's source as Excel writes it: '"a,b"' or a range."""
    dv = DataValidation(type="list", formula1=values, allow_blank=True)
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.error, dv.errorTitle = error, title
    return dv


def _apply_validation(ws: Worksheet, keys: dict[str, int], codebook: Codebook, last: int) -> None:
    """(Re)create the drop-down lists on the analyst columns, rows 2 to ``last`` + margin
    (the ranges are rebuilt each time, so they never grow by themselves)."""
    ws.data_validations.dataValidation = []
    last = max(last, 1) + _VALIDATION_ROWS
    tick = _list_validation('"x"', "Skriv x eller lämna tomt.", "Ogiltigt värde")
    category = _list_validation(
        _category_list(codebook), "Välj en kategori ur listan.", "Ogiltig kategori"
    )
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
    _follow_up_validation(ws, keys, last)


def _follow_up_validation(ws: Worksheet, keys: dict[str, int], last: int) -> None:
    """The feedback column takes dates only (Excel and LibreOffice refuse anything else),
    shown as yyyy-mm-dd."""
    col = keys.get("fu:feedback")
    if col is None:
        return
    letter = get_column_letter(col)
    dv = DataValidation(
        type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)"
    )
    dv.allow_blank, dv.showErrorMessage, dv.errorStyle = True, True, "stop"
    dv.errorTitle = "Ogiltigt datum"
    dv.error = "Skriv datumet då återkoppling lämnades, t.ex. 2026-03-14, eller lämna tomt."
    dv.add(f"{letter}2:{letter}{last}")
    ws.add_data_validation(dv)
    for r in range(2, ws.max_row + 1):  # empty cells only: a filled one keeps its format
        cell = ws.cell(row=r, column=col)
        if cell.value is None:
            cell.number_format = "yyyy-mm-dd"


_HOW_TO = (
    "x i en orsakskolumn = orsaken finns. 'inga orsaker' = kodat, utan orsak. Citat "
    "publiceras bara med x i 'citat godkänt'. Rätta den avidentifierade texten i "
    "'Korrigerad text' (programmet skriver aldrig där; kodningen använder den när den finns). "
    "Ändra inte ärende-id:n eller id:t inom hakparentes i rubrikerna. "
    "Förslagen: 'starka' = "
    "kodbokens regler och den inlärda modellen är överens, eller modellen är mycket säker; "
    "'möjliga' = bara en av dem. 'Förslag: grund' visar orden bakom varje förslag. Filtrera "
    "med pilarna i rubrikraden. "
    f"'{FOLLOW_UP_HEADERS['fu:outcome']}' och '{FOLLOW_UP_HEADERS['fu:feedback']}': vad "
    "som kom ut av fallet och dagen då den rapporterande parten fick återkoppling; de "
    "gäller före exportens egna uppgifter."
)


def _write_codebook_sheet(wb: Workbook, codebook: Codebook) -> None:
    if CODEBOOK_SHEET in wb.sheetnames:
        del wb[CODEBOOK_SHEET]
    ws = wb.create_sheet(CODEBOOK_SHEET)
    append_row(ws, [f"Kodbok version {codebook.version}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    headers = ["Typ", "Id", "Etikett", "Kategori", "Definition", "Ta med", "Ta inte med"]
    ws.append(headers)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    cat_labels = codebook.category_labels()
    assert ws.max_row + 1 == _FIRST_CATEGORY_ROW  # where _category_list points
    for c in codebook.categories:
        append_row(ws, ["kategori", c.id, c.label, "", c.definition, "", ""])
    for c in codebook.causes:
        append_row(
            ws,
            ["orsak", c.id, c.label, cat_labels.get(c.category, c.category), c.definition,
             c.inclusion, c.exclusion],
        )  # fmt: skip
    ws.append([])
    append_row(ws, ["Så fyller du i", "", _HOW_TO])
    append_row(ws, ["A1 och A2", "", A1_A2_RULE])
    for letter, width in zip("ABCDEFG", (10, 18, 28, 28, 70, 50, 50), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"


def _unreadable(sheet_path: Path, exc: Exception) -> InputError:
    return InputError(
        sheet_path,
        f"kan inte läsas som en Excel-arbetsbok ({type(exc).__name__})",
        "Återställ den från kodning.bak.xlsx eller från DVC",
    )


def _no_coding_sheet(sheet_path: Path) -> InputError:
    return InputError(sheet_path, f"saknar bladet {SHEET}", "Ge kodningsbladet tillbaka sitt namn")


def _case_facts(
    cases: pd.DataFrame, codebook: Codebook, model: CauseModel | None
) -> dict[str, dict[str, Any]]:
    """The program's column values of each case, by case id, in sheet order."""
    cases = cases.sort_values(["received", "case_id"], kind="stable").reset_index(drop=True)
    found = suggest.explain(cases["description"].tolist(), codebook, model)
    categories = suggest.categorise([set(f) for f in found], codebook)
    cat_labels = codebook.category_labels()
    return {
        str(row["case_id"]): _fact_values(row, cat_labels.get(cat, cat), cat_labels)
        | _suggestion_values(sug, codebook)
        for (_, row), sug, cat in zip(cases.iterrows(), found, categories, strict=True)
    }


def _linked(cases: pd.DataFrame) -> dict[str, str]:
    """{dropped case id: kept case id} from ingest's ``linked_case_id`` column, if any."""
    if guard.LINKED_COLUMN not in cases.columns:
        return {}
    pairs = cases[["case_id", guard.LINKED_COLUMN]].dropna()
    out: dict[str, str] = {}
    for kept, dropped in zip(pairs["case_id"], pairs[guard.LINKED_COLUMN], strict=True):
        for one in str(dropped).split(";"):
            if one.strip():
                out[one.strip()] = str(kept)
    return out


def _new_workbook(wanted: list[tuple[str, str]]) -> tuple[Workbook, Worksheet, dict[str, int]]:
    """A workbook with the coding sheet's header row: (workbook, sheet, column by key)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for col, (key, header) in enumerate(wanted, start=1):
        set_value(ws, 1, col, header)
        _style_header(ws, col, key)
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
            col = _last_column(ws) + 1
            set_value(ws, 1, col, header)
            _style_header(ws, col, key)
            keys[key] = col
            result.new_columns.append(header)


def _last_column(ws: Worksheet) -> int:
    """The last column with a header (LibreOffice may leave styled empty columns)."""
    return max((c.column for c in ws[1] if not _empty(c.value)), default=0)


def _last_row(ws: Worksheet) -> int:
    """The last row holding any value (not ``max_row``: LibreOffice writes styled empty
    rows below the data)."""
    last = 1
    for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if any(not _empty(v) for v in row):
            last = r
    return last


def _row_case_id(ws: Worksheet, r: int, id_col: int) -> str | None:
    """The case id of sheet row ``r`` (stripped), None for a row without one."""
    case_id = _str(ws.cell(row=r, column=id_col).value)
    if not case_id or not case_id.strip():
        return None
    return case_id.strip()


@dataclass
class _Update:
    """One run of :func:`update_sheet` over an open sheet."""

    ws: Worksheet
    keys: dict[str, int]
    facts: dict[str, dict[str, Any]]
    linked: dict[str, str]  # dropped case id -> kept case id
    path: Path
    result: SheetUpdate
    new_merges: set[str] = field(default_factory=set)

    def status(self, r: int, value: str | None) -> None:
        set_value(self.ws, r, self.keys["status"], value)

    def analyst_columns(self) -> list[int]:
        """Every column the program does not own: the analysts' codes and own columns."""
        owned = {c for k, c in self.keys.items() if k in FACT_HEADERS or k.startswith("sug:")}
        return [c for c in range(1, _last_column(self.ws) + 1) if c not in owned]


def _flag_absent(run: _Update, r: int, case_id: str) -> None:
    """Flag a row whose case is no longer in the data: merged into another, or removed."""
    current = _str(run.ws.cell(row=r, column=run.keys["status"]).value)
    if case_id in run.linked and run.linked[case_id] in run.facts:
        flag = MERGED + run.linked[case_id]
        if current != flag:
            run.status(r, flag)
            run.result.merged += 1
            run.new_merges.add(case_id)
    elif current != REMOVED and not (current or "").startswith(MERGED):
        run.status(r, REMOVED)
        run.result.flagged_removed += 1


def _refresh_rows(run: _Update, known: set[str] | None) -> dict[str, int]:
    """Refresh the program's columns of existing rows; flag (or unflag) absent cases.

    Analyst columns are never written. A case id the program never wrote stops the run.
    Returns the sheet row of every case id found.
    """
    ws, keys = run.ws, run.keys
    seen: dict[str, int] = {}
    program_keys = [k for k in keys if k in FACT_HEADERS or k.startswith("sug:")]
    for r in range(2, ws.max_row + 1):
        case_id = _row_case_id(ws, r, keys["case_id"])
        if case_id is None:
            continue
        if case_id in seen:
            raise InputError(
                run.path,
                f"bladet {SHEET}: raderna {seen[case_id]} och {r} har samma ärende-id",
                "Slå ihop de två raderna till en och ta bort den andra",
            )
        seen[case_id] = r
        if case_id not in run.facts:
            if known is not None and case_id not in known:
                raise guard.unknown_id_error(run.path, r, keys["case_id"])
            _flag_absent(run, r, case_id)
            continue
        current = _str(ws.cell(row=r, column=keys["status"]).value) or ""
        if current == REMOVED or current.startswith(MERGED):
            run.result.restored += 1
        values = run.facts[case_id]
        for key in program_keys:
            set_value(ws, r, keys[key], values.get(key))  # None clears
    return seen


def _append_rows(run: _Update, seen: dict[str, int]) -> dict[str, int]:
    """Append the cases not yet in the sheet, with empty analyst cells, below the last row
    that holds anything. Returns the row of every appended case id."""
    ws, keys = run.ws, run.keys
    next_row = _last_row(ws) + 1
    added: dict[str, int] = {}
    for case_id, values in run.facts.items():
        if case_id in seen:
            continue
        for key, value in values.items():
            if key in keys:
                set_value(ws, next_row, keys[key], value)
        ws.cell(row=next_row, column=keys["received"]).number_format = "yyyy-mm-dd"
        for key in ("description", "action"):
            ws.cell(row=next_row, column=keys[key]).alignment = Alignment(
                wrap_text=True, vertical="top"
            )
        added[case_id] = next_row
        next_row += 1
        run.result.added += 1
    return added


def _carry_over(run: _Update, rows: dict[str, int]) -> None:
    """Move the analysts' cells of a case linked into another case to the kept case's row
    (only into a row whose analyst cells are all empty; otherwise report the conflict).

    An approval of the whole description as a quote does not move: the kept case's text
    is the other party's, which nobody approved.
    """
    cols = run.analyst_columns()
    whole_text_approval = run.keys.get("a1:quote_ok")
    for dropped, kept in sorted(run.linked.items()):
        if dropped not in rows or kept not in rows or kept not in run.facts:
            continue
        src, dst = rows[dropped], rows[kept]
        values = [run.ws.cell(row=src, column=c).value for c in cols]
        if all(_empty(v) for v in values):
            continue
        target = [run.ws.cell(row=dst, column=c).value for c in cols]
        if all(_empty(v) for v in target):
            quote_col = run.keys.get("a1:quote")
            pasted = run.ws.cell(row=src, column=quote_col).value if quote_col else None
            for c, v in zip(cols, values, strict=True):
                if c == whole_text_approval and _empty(pasted):
                    if not _empty(v):
                        run.result.quote_not_carried.append(dst)
                    continue
                set_value(run.ws, dst, c, v)
            run.result.carried.append((src, dst))
        elif target != values and dropped in run.new_merges:
            run.result.conflicts.append((src, dst))


def _save(wb: Workbook, sheet_path: Path, created: bool, times: tuple[Any, Any]) -> None:
    """Keep the previous file as kodning.bak.xlsx, then write the workbook atomically; both
    readable by the owner only.

    The document times stay those of the file read (the analyst's last save in Excel), so
    the same sheet and cases always give the same bytes.
    """
    if not created:
        backup = sheet_path.with_name(sheet_path.stem + ".bak.xlsx")
        write_bytes_atomic(backup, sheet_path.read_bytes())  # never half a backup
        private_file(backup)
    write_bytes_atomic(sheet_path, workbook_bytes(wb, created=times[0], modified=times[1]))
    private_file(sheet_path)


def _report(result: SheetUpdate) -> None:
    log.info(
        "kodningsarket %s: %d rader, %d tillagda, %d markerade som borttagna, %d nya kolumner",
        "skapat" if result.created else "uppdaterat",
        result.n_rows,
        result.added,
        result.flagged_removed,
        len(result.new_columns),
    )
    if result.merged:
        log.info("%d ärenden är sammanslagna med den andra partens rapport", result.merged)
    for src, dst in result.carried:
        log.info("bladet %s: koderna på rad %d följde med till rad %d (sammanslaget)",
                 SHEET, src, dst)  # fmt: skip
    for dst in result.quote_not_carried:
        log.warning("bladet %s, rad %d: citatet godkändes för den andra partens text; "
                    "läs och godkänn det på nytt", SHEET, dst)  # fmt: skip
    if result.readded:
        log.info("%d ärenden saknades i arket (raderade rader) och lades till igen längst ned",
                 result.readded)  # fmt: skip
    for src, dst in result.conflicts:
        log.warning(
            "bladet %s: rad %d är sammanslagen med rad %d men båda är kodade olika; "
            "koderna på rad %d räknas, jämför och rätta för hand", SHEET, src, dst, dst,
        )  # fmt: skip


def _freeze_header(ws: Worksheet) -> None:
    """Freeze the header row and the id column, from a clean view (a save in LibreOffice
    may drop the freeze; setting it again on an existing pane would add selections)."""
    ws.sheet_view.pane = None
    ws.sheet_view.selection = [Selection(activeCell="A1", sqref="A1")]
    ws.freeze_panes = "B2"


def _open_or_create(
    sheet_path: Path, codebook: Codebook, wanted: list, result: SheetUpdate
) -> tuple[Workbook, Worksheet, dict[str, int], tuple[Any, Any], set[str] | None]:
    """(workbook, coding sheet, column by key, document times, ids the program wrote)."""
    if result.created:
        wb, ws, keys = _new_workbook(wanted)
        return wb, ws, keys, (None, None), set()
    wb, ws, times = _open_workbook(sheet_path)
    keys = header_map(ws, sheet_path, codebook)
    _add_missing_columns(ws, keys, wanted, result)
    return wb, ws, keys, times, guard.known_ids(wb)


def _set_filter(ws: Worksheet, last: int) -> None:
    """An autofilter over the header and every case row, so analysts can filter on the
    suggestions (e.g. only the possible ones) and on their own columns."""
    ws.auto_filter.ref = f"A1:{get_column_letter(max(_last_column(ws), 1))}{max(last, 1)}"


def update_sheet(
    cases: pd.DataFrame, sheet_path: Path, codebook: Codebook, model: CauseModel | None = None
) -> SheetUpdate:
    """Create the coding sheet, or extend it without touching any analyst's edit.

    New cases are appended; cases no longer in ``cases`` are flagged "borttaget ur
    underlaget" (and unflagged if they come back), or "sammanslaget med <id>" when ingest
    linked them into another case, whose row then receives their analysts' cells;
    suggestions and case facts are refreshed; analyst cells of existing rows are never
    written; a new cause adds columns at the right. Stops (InputError) when the sheet is
    open, or a header, case id or tick cannot be placed. ``model``: the learned suggestions
    (rules only without one).
    """
    sheet_path = Path(sheet_path)
    check_not_open(sheet_path)
    private_dir(sheet_path.parent)
    facts = _case_facts(cases, codebook, model)
    wanted = wanted_columns(codebook)
    result = SheetUpdate(path=sheet_path, created=not sheet_path.exists(), n_rows=0)
    wb, ws, keys, times, known = _open_or_create(sheet_path, codebook, wanted, result)
    run = _Update(ws, keys, facts, _linked(cases), sheet_path, result)
    seen = _refresh_rows(run, known)
    rows = seen | _append_rows(run, seen)
    _carry_over(run, rows)
    result.readded = len((known or set()) & (set(rows) - set(seen)))
    _apply_validation(ws, keys, codebook, max(rows.values(), default=1))
    _freeze_header(ws)
    _set_filter(ws, _last_row(ws))
    _write_codebook_sheet(wb, codebook)
    guard.write_known_ids(wb, (known or set()) | set(rows))
    wb.active = wb.sheetnames.index(SHEET)
    result.n_rows = len(rows)
    _save(wb, sheet_path, result.created, times)
    _report(result)
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


def _sheet_rows(sheet_path: Path) -> tuple[list[tuple], set[str] | None]:
    """The values of every row of the coding sheet, the header row first, and the case ids
    the program wrote (None for a sheet from before they were kept)."""
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
        known = guard.known_ids(wb)
    finally:
        wb.close()
    if not rows:
        raise InputError(sheet_path, f"bladet {SHEET} är tomt", "Återställ rubrikraden")
    return rows, known


@dataclass(frozen=True)
class _RowReader:
    """Reads the analysts' cells of one sheet's rows by column key."""

    path: Path
    header: tuple
    keys: dict[str, int]  # key -> 0-based column index
    codebook: Codebook

    @classmethod
    def of(cls, sheet_path: Path, rows: list[tuple], codebook: Codebook) -> _RowReader:
        def has_values(col: int) -> bool:
            return any(len(r) >= col and not _empty(r[col - 1]) for r in rows[1:])

        found = header_keys(rows[0], sheet_path, codebook, has_values)
        keys = {key: col - 1 for key, col in found.items()}
        return cls(sheet_path, rows[0], keys, codebook)

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
        status = _str(self.cell(row, "status")) or ""
        rec: dict[str, Any] = {
            "case_id": case_id,
            "removed": status == REMOVED or status.startswith(MERGED),
        }
        for a in ("a1", "a2"):
            rec |= self.analyst(row, r, a)
        rec["a1_comment"] = _str(self.cell(row, "a1:comment"))
        rec["quote_approved"] = self.tick(row, r, "a1:quote_ok")
        quote = _str(self.cell(row, "a1:quote"))
        rec["quote"] = quote.strip() if quote and quote.strip() else None
        corrected = _str(self.cell(row, "corrected"))
        rec["corrected"] = corrected.strip() if corrected and corrected.strip() else None
        outcome = _str(self.cell(row, "fu:outcome"))
        rec["outcome"] = outcome.strip() if outcome and outcome.strip() else None
        rec["feedback_date"] = _date(
            self.cell(row, "fu:feedback"), self.where(r, "fu:feedback"), self.path
        )
        return rec


def _date(value: Any, where: str, path: Path) -> pd.Timestamp | None:
    """A date cell: a date (as Excel stores it), an Excel day number, or ISO text."""
    if _empty(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value).normalize()
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return pd.Timestamp(from_excel(value)).normalize()
        return pd.Timestamp(dt.date.fromisoformat(str(value).strip()[:10]))
    except (ValueError, TypeError, OverflowError):
        raise InputError(
            path, f"{where} är inget datum", "Skriv datumet som 2026-03-14 eller lämna tomt"
        ) from None


_TEXT_COLUMNS = (
    "case_id", "a1_category", "a2_category", "a1_comment", "quote", "corrected", "outcome"
)  # fmt: skip


def _sheet_frame(records: list[dict[str, Any]], codebook: Codebook) -> pd.DataFrame:
    """The records as a table with fixed columns: booleans and nullable strings."""
    columns = ["case_id", "removed"]
    for a in ("a1", "a2"):
        columns += [f"{a}_{c}" for c in codebook.cause_ids]
        columns += [f"{a}_none", f"{a}_category", f"{a}_coded"]
    columns += ["a1_comment", "quote_approved", "quote", "corrected", "outcome", "feedback_date"]
    df = pd.DataFrame.from_records(records, columns=columns)
    bool_cols = [c for c in columns if c not in (*_TEXT_COLUMNS, "feedback_date")]
    df[bool_cols] = df[bool_cols].astype(bool)
    for c in _TEXT_COLUMNS:
        df[c] = df[c].astype("string")
    df["feedback_date"] = pd.to_datetime(df["feedback_date"]).astype("datetime64[ns]")
    return df


def read_sheet(sheet_path: Path, codebook: Codebook) -> pd.DataFrame:
    """The analysts' edits, one row per case in the sheet.

    Columns: case_id, removed (flagged as no longer in the data), for a in (a1, a2):
    ``{a}_{cause}`` (bool) for every cause of the codebook, ``{a}_none`` (bool, explicitly
    "inga orsaker"), ``{a}_category`` (category id or NA), ``{a}_coded`` (bool: at least one
    cause or "inga orsaker"); and a1_comment, quote_approved (bool), quote (the approved
    excerpt as pasted, NA when empty), corrected (the analysts' "Korrigerad text", NA when
    empty), outcome (the follow-up text as written, NA when empty) and feedback_date (NaT
    when empty). A value that is not understood, a header that would lose codes, or a case id the
    program never wrote raises an InputError naming the sheet, row and column (never the
    value).
    """
    sheet_path = Path(sheet_path)
    if any(lock.exists() for lock in lock_files(sheet_path)):
        log.warning("kodningsarket är öppet i Excel eller LibreOffice: det som inte är sparat "
                    "kommer inte med; spara, stäng och kör igen")  # fmt: skip
    rows, known = _sheet_rows(sheet_path)
    reader = _RowReader.of(sheet_path, rows, codebook)
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
        if known is not None and case_id not in known:
            raise guard.unknown_id_error(sheet_path, r, reader.keys["case_id"] + 1)
        seen.add(case_id)
        records.append(reader.record(row, r, case_id))
    return _sheet_frame(records, codebook)
