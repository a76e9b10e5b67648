"""Swedish identity numbers for tests, built at run time.

The pre-commit hook (scripts/check_staged_leaks.py) refuses every staged file that holds
an identity number, tests and fixtures included, so no test writes one as a literal digit
string: a test calls these functions, which put the parts together and compute the check
digit (Luhn) when the test runs. The forms:

- ``pnr(birth, serial)``: personnummer, ÅÅÅÅMMDD-NNNC or ÅÅMMDD-NNNC (birth kept as
  given), ``sep`` before the serial ("-", "+", "", " - "), ``date_sep`` between the
  two-digit groups of the date ("." gives the dotted form, " " the grouped one);
- ``samordningsnummer(birth, serial)``: the same with day + 60;
- ``interim(birth, letter, serial)``: an interim number, a letter as the first character
  of the serial (it counts as 1 in the check digit);
- ``official(kind, valid)``: the official test vectors shipped with the personnummer
  package's test suite (../shared/testdata/personnummer), loaded at run time.

Source rule (this module and every test): digits written in the source never form an
identity-number shape; pass the birth date and the serial separately.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from conftest import SHARED_TESTDATA

VECTORS = SHARED_TESTDATA / "personnummer"
_VECTOR_FILES = {"ssn": "list.json", "con": "list.json", "interim": "interim.json"}


def luhn_digit(nine: str) -> str:
    """The check digit of the nine digits ÅÅMMDDNNN (Luhn: weights 2, 1, 2, ...)."""
    total = 0
    for i, ch in enumerate(nine):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


def _check_birth(birth: str) -> None:
    if len(birth) not in (6, 8) or not birth.isdigit():
        raise ValueError(f"birth must be 6 or 8 digits, got {len(birth)} characters")


def _date(birth: str, date_sep: str) -> str:
    """The birth date as written: its two-digit groups joined by ``date_sep``."""
    return date_sep.join(birth[i : i + 2] for i in range(0, len(birth), 2))


def pnr(birth: str = "19760115", serial: int = 482, sep: str = "-", date_sep: str = "") -> str:
    """A personnummer with a valid check digit (see the module docstring for the forms)."""
    _check_birth(birth)
    if not 1 <= serial <= 999:  # serial 000 is never given out
        raise ValueError("serial must be 1..999")
    tail = f"{serial:03d}"
    return f"{_date(birth, date_sep)}{sep}{tail}{luhn_digit(birth[-6:] + tail)}"


def samordningsnummer(
    birth: str = "19760115", serial: int = 482, sep: str = "-", date_sep: str = ""
) -> str:
    """A samordningsnummer: the birth day + 60, a valid check digit."""
    _check_birth(birth)
    return pnr(f"{birth[:-2]}{int(birth[-2:]) + 60:02d}", serial, sep, date_sep)


def interim(birth: str = "20000101", letter: str = "T", serial: int = 22, sep: str = "-") -> str:
    """An interim number (tillfälligt personnummer): birth, ``sep``, the letter, two
    digits ``serial`` and the check digit (the letter counts as 1)."""
    _check_birth(birth)
    if len(letter) != 1 or not letter.isalpha() or not 0 <= serial <= 99:
        raise ValueError("letter must be one letter and serial 0..99")
    tail = f"{serial:02d}"
    return f"{birth}{sep}{letter}{tail}{luhn_digit(birth[-6:] + '1' + tail)}"


def dotted(birth: str = "19760115", serial: int = 482, sep: str = "-") -> str:
    """The dotted form: ÅÅ.MM.DD-NNNC (or with the century, CC.ÅÅ.MM.DD-NNNC)."""
    return pnr(birth, serial, sep, ".")


def grouped(birth: str = "19760115", serial: int = 482, sep: str = "-") -> str:
    """The grouped form: ÅÅ MM DD-NNNC."""
    return pnr(birth, serial, sep, " ")


def digits(number: str) -> str:
    """Only the digits of a written identity number."""
    return "".join(ch for ch in number if ch.isdigit())


@cache
def _vector_file(name: str) -> list[dict[str, Any]]:
    path = VECTORS / name
    if not path.is_file():
        pytest.skip(f"official test vectors missing: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def official(kind: str = "ssn", valid: bool = True) -> list[dict[str, Any]]:
    """The official test vectors of ``kind`` ("ssn" personnummer, "con" samordningsnummer,
    "interim"), valid or not: dicts with long_format, short_format, separated_format,
    separated_long, valid, type, isMale, isFemale. Skips the test where they are missing."""
    if kind not in _VECTOR_FILES:
        raise ValueError(f"unknown kind {kind!r}")
    rows = _vector_file(_VECTOR_FILES[kind])
    return [dict(r) for r in rows if r["type"] == kind and bool(r["valid"]) is valid]
