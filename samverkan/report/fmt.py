"""Swedish formatting of numbers, shares, dates, terms and lists for report text and tables.

Everything a reader sees goes through these functions, so the reports use one style:
a no-break space (U+00A0) as thousands separator and before the percent sign, a decimal
comma, dates as "14 mars 2025", terms as "hösten 2025".
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Iterable

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

logger = logging.getLogger(__name__)

LOCALE = "sv_SE"
NBSP = "\u00a0"

# Number words for 0-12; neuter forms ("ett fall") since "fall" is a neuter noun.
_WORDS_NEUTER = (
    "noll",
    "ett",
    "två",
    "tre",
    "fyra",
    "fem",
    "sex",
    "sju",
    "åtta",
    "nio",
    "tio",
    "elva",
    "tolv",
)
MINUS = "\u2212"
_TERM_RE = re.compile(r"^(\d{4})(VT|HT)$")


def number(n: float | int, digits: int = 0) -> str:
    """``1234`` -> ``"1 234"`` (no-break space); ``digits`` decimals with a decimal comma.

    Negative numbers get the minus sign (U+2212) that Swedish typography asks for, not a
    hyphen.
    """
    if n is None or (isinstance(n, float) and pd.isna(n)):
        return "–"
    fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(n, format=fmt, locale=LOCALE).replace("-", MINUS)


def percent(x: float, digits: int = 1) -> str:
    """A share (0.125) as ``"12,5 %"``; a missing share as an en dash."""
    if x is None or pd.isna(x):
        return "–"
    return number(float(x) * 100, digits) + NBSP + "%"


def number_word(n: int) -> str:
    """0-12 as a Swedish word in neuter ("ett", "tre"); larger numbers as digits."""
    n = int(n)
    if 0 <= n < len(_WORDS_NEUTER):
        return _WORDS_NEUTER[n]
    return number(n)


def date(d: _dt.date | _dt.datetime | pd.Timestamp | str) -> str:
    """``2025-03-14`` -> ``"14 mars 2025"``."""
    if isinstance(d, str):
        d = _dt.date.fromisoformat(d[:10])
    if isinstance(d, pd.Timestamp):
        d = d.date()
    if isinstance(d, _dt.datetime):
        d = d.date()
    return format_date(d, "d MMMM y", locale=LOCALE)


def count_cases(n: int) -> str:
    """``"1 fall"``, ``"2 fall"``, ``"1 234 fall"`` ("fall" has the same plural)."""
    return f"{number(n)} fall"


def share_text(k: int, n: int, noun: str = "fall") -> str:
    """``"ett av fem fall"``, ``"tre av tolv fall"``, ``"12 av 40 fall"``.

    Words when both numbers are at most twelve, digits otherwise (Swedish style guides).
    """
    if 0 <= k <= 12 and 0 <= n <= 12:
        return f"{number_word(k)} av {number_word(n)} {noun}"
    return f"{number(k)} av {number(n)} {noun}"


def term_label(term: str, short: bool = False) -> str:
    """``"2025HT"`` -> ``"hösten 2025"`` (or ``"HT 2025"`` with ``short=True``)."""
    m = _TERM_RE.match(str(term))
    if not m:
        raise ValueError(f"ingen termin (till exempel 2025HT): {term!r}")
    year, half = m.groups()
    if short:
        return f"{half} {year}"
    return f"{'våren' if half == 'VT' else 'hösten'} {year}"


def join_list(items: Iterable[object], conjunction: str = "och") -> str:
    """``["a", "b", "c"]`` -> ``"a, b och c"``."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def capitalize(text: str) -> str:
    """Upper-case the first letter only (keeps "SIP", "BUP" and the like)."""
    return text[:1].upper() + text[1:] if text else text


def lower_label(label: str) -> str:
    """A label for use inside a sentence: lower-case, unless it is an abbreviation (SIP)."""
    first = label.split(" ", 1)[0]
    if first.isupper() and len(first) > 1:
        return label
    return label[:1].lower() + label[1:]
