"""Safe writing of spreadsheet cells and files: no formula injection, no illegal characters,
private folders and files, and never a rewrite of a sheet that is open in Excel or LibreOffice.

- :func:`clean_text` removes every character a spreadsheet or an XML file cannot hold
  (C0 controls except tab and line feed, C1 controls, lone surrogates, U+FFFE/U+FFFF);
  carriage returns, vertical tabs and form feeds (Word's manual line and page breaks)
  become line feeds; so a NUL or a vertical tab pasted into a description never stops a
  stage;
- :func:`set_value` writes a value; a text beginning with ``=``, ``+``, ``-``, ``@``, tab
  or carriage return is stored as a text cell with Excel's quote prefix, never as a formula;
- :func:`private_dir` and :func:`private_file` give the analysts' folder 0700 and its
  files 0600;
- :func:`check_not_open` stops on the lock file of Excel (``~$kodning.xlsx``) or LibreOffice
  (``.~lock.kodning.xlsx#``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from samverkan.project.errors import InputError

# C0 controls except \t and \n (\r, \v and \f are turned into \n first), DEL and C1 controls,
# surrogates (cannot be encoded) and the two non-characters XML forbids.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85]")
# what spreadsheet programs read as the start of a formula (or of DDE)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")  # \n: a CR after cleaning


def clean_text(text: str) -> str:
    """``text`` without characters a workbook or XML file cannot hold; line ends as LF."""
    text = _BREAKS.sub("\n", text)
    return _ILLEGAL.sub("", text)


def clean_value(value: Any) -> Any:
    """A value ready for a cell: texts cleaned (see :func:`clean_text`), others unchanged."""
    return clean_text(value) if isinstance(value, str) else value


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet program would take ``text`` (as typed) for a formula."""
    return text.startswith(FORMULA_START)


def make_inert(cell: Cell) -> None:
    """Store a text cell that looks like a formula as plain text (with the quote prefix)."""
    value = cell.value
    if isinstance(value, str) and (looks_like_formula(value) or cell.data_type == "f"):
        cell.data_type = "s"
        cell.quotePrefix = True


def set_value(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` to a cell, cleaned and never as a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = clean_value(value)
    make_inert(cell)
    return cell


def append_row(ws: Worksheet, values: list[Any]) -> None:
    """``ws.append`` with every value cleaned and made inert."""
    ws.append([clean_value(v) for v in values])
    for cell in ws[ws.max_row]:
        make_inert(cell)


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (and missing parents) readable by the owner only; tighten it if it
    exists."""
    folder = Path(folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for p in missing:
        os.chmod(p, 0o700)
    os.chmod(folder, 0o700)
    return folder


def private_file(path: Path) -> None:
    """Make ``path`` readable and writable by its owner only."""
    if Path(path).exists():
        os.chmod(path, 0o600)


def lock_files(sheet_path: Path) -> list[Path]:
    """The lock files Excel and LibreOffice keep beside a workbook while it is open."""
    name = Path(sheet_path).name
    return [sheet_path.with_name(f"~${name}"), sheet_path.with_name(f".~lock.{name}#")]


def check_not_open(sheet_path: Path) -> None:
    """Stop when the workbook is open in Excel or LibreOffice: it must not be rewritten."""
    for lock in lock_files(Path(sheet_path)):
        if lock.exists():
            program = "Excel" if lock.name.startswith("~$") else "LibreOffice"
            raise InputError(
                sheet_path,
                f"arket är öppet i {program} (låsfilen {lock.name} ligger bredvid); "
                "det skrivs inte om medan det är öppet",
                f"Spara och stäng det i {program} och kör sedan igen (finns låsfilen kvar "
                "fast arket är stängt: ta bort den)",
            )
