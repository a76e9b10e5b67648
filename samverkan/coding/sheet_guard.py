"""Guards that keep an analyst's code from being silently lost in the coding sheet.

- code columns are recognised by the cause id in brackets (``[sip]``) whatever the label
  around it; a header that starts like an analyst's code column ("A1: SIP") but carries no
  known id stops the stage, and so does a code column whose id is not in the codebook
  (unless it is empty);
- the program remembers every case id it wrote (a hidden sheet), so an edited or mistyped
  case id is told apart from a case that left the data;
- when ingest links a coded case with the other party's report and keeps the other row
  (``linked_case_id`` of the kept case names the dropped one), the analysts' cells move
  with the case to the kept row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from samverkan.coding.autocode import fold
from samverkan.coding.codebook import Codebook
from samverkan.project.errors import InputError

SHEET = "Kodning"
IDS_SHEET = "_samverkan_ids"  # very hidden: every case id the program wrote
LINKED_COLUMN = "linked_case_id"  # cases.parquet: the case id dropped into this one, if any
MERGED = "sammanslaget med "  # status prefix of a row whose case was linked into another
_BRACKET = re.compile(r"\[\s*([^\[\]\s][^\[\]]*?)\s*\]")  # any id the codebook allows
_PREFIX = re.compile(r"^\s*(förslag|a1|a2)\b\s*[:\-–—.]?\s*", re.IGNORECASE)
_PREFIX_KEY = {"förslag": "sug", "a1": "a1", "a2": "a2"}


@dataclass(frozen=True)
class HeaderProblem:
    """Why a header cannot be used (column number, problem, fix)."""

    column: int
    problem: str
    fix: str


def cause_id(text: str, codebook: Codebook) -> str:
    """The codebook's id for the id written in a header (case and spaces forgiven)."""
    if text in codebook.cause_ids:
        return text
    wanted = fold(text.strip())
    return next((c for c in codebook.cause_ids if fold(c) == wanted), text)


def classify_header(text: str, column: int, codebook: Codebook) -> str | HeaderProblem | None:
    """The key of a code column ("a1:sip"), a problem, or None (not a code column)."""
    prefix = _PREFIX.match(text)
    ids = _BRACKET.findall(text)
    if ids:
        cause = cause_id(ids[-1], codebook)
        if prefix is None and cause not in set(codebook.cause_ids):
            return None  # an analyst's own column that happens to hold brackets
        if prefix is None:
            return HeaderProblem(
                column,
                f"har orsakens id [{cause}] men inte vems kod det är",
                f"Börja rubriken med A1:, A2: eller Förslag:, t.ex. 'A1: ... [{cause}]'",
            )
        return f"{_PREFIX_KEY[prefix.group(1).lower()]}:{cause}"
    if prefix is None or prefix.group(1).lower() == "förslag":
        return None
    label = fold(text[prefix.end() :].strip())
    analyst = prefix.group(1).upper()
    for c in codebook.causes:
        if label in (fold(c.label), fold(c.id)):
            fix = f"Skriv rubriken som '{analyst}: {c.label} [{c.id}]'"
            break
    else:
        fix = (
            "Lägg tillbaka orsakens id inom hakparentes (t.ex. [sip]), eller ge en egen "
            "kolumn en rubrik som inte börjar med A1 eller A2"
        )
    return HeaderProblem(column, "ser ut som en kodkolumn men saknar orsakens id, t.ex. [sip]", fix)


def canonical(text: str) -> str:
    """A header as the program writes it, lower case: "a1 -  Kommentar" -> "a1: kommentar"."""
    text = " ".join(text.split())
    prefix = _PREFIX.match(text)
    if prefix:
        text = f"{prefix.group(1)}: {text[prefix.end() :]}"
    return text.lower()


def header_error(path: Path, header: Any, problem: HeaderProblem) -> InputError:
    letter = get_column_letter(problem.column)
    return InputError(
        path, f"bladet {SHEET}, rad 1, kolumn {letter} ({header}): {problem.problem}", problem.fix
    )


def check_unknown_code(
    path: Path, key: str, column: int, header: Any, codebook: Codebook,
    has_values: Callable[[int], bool],
) -> bool:  # fmt: skip
    """True when ``key`` is a code column of a cause the codebook lacks (to be ignored);
    raises when it is an analyst's column holding values, which would be lost."""
    cause = key.split(":", 1)[1]
    if not key.startswith(("a1:", "a2:", "sug:")) or cause in set(codebook.cause_ids):
        return False
    if key.startswith("sug:") or not has_values(column):
        return True
    letter = get_column_letter(column)
    raise InputError(
        path,
        f"bladet {SHEET}, rad 1, kolumn {letter} ({header}): orsaken [{cause}] finns inte i "
        "kodboken, så kolumnens koder skulle inte räknas",
        "Lägg till orsaken i config/codebook.yaml igen, eller flytta kryssen till rätt "
        "orsakskolumn och töm kolumnen",
    )


# ---- the case ids the program wrote -------------------------------------------------------


def known_ids(wb: Workbook) -> set[str] | None:
    """Every case id the program has written to the sheet; None for a sheet from before."""
    if IDS_SHEET not in wb.sheetnames:
        return None
    ws = wb[IDS_SHEET]
    return {str(r[0]).strip() for r in ws.iter_rows(min_row=2, values_only=True) if r and r[0]}


def write_known_ids(wb: Workbook, ids: set[str]) -> None:
    """(Re)write the very hidden sheet of the case ids the program wrote, sorted."""
    if IDS_SHEET in wb.sheetnames:
        del wb[IDS_SHEET]
    ws = wb.create_sheet(IDS_SHEET)
    ws.append(["Ärende-id (skrivna av programmet: ändra inte)"])
    for case_id in sorted(ids):
        ws.append([case_id])
    ws.sheet_state = "veryHidden"


def unknown_id_error(path: Path, row: int, column: int) -> InputError:
    return InputError(
        path,
        f"bladet {SHEET}, rad {row}, kolumn {get_column_letter(column)}: ärende-id:t finns "
        "inte bland de ärenden programmet har skrivit (ändrat eller felskrivet?)",
        "Skriv tillbaka det ursprungliga ärende-id:t (se kodning.bak.xlsx) eller ta bort raden",
    )
