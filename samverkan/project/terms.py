"""Term codes: ``2025VT`` (1 Jan–30 Jun) and ``2025HT`` (1 Jul–31 Dec).

A case belongs to the term in which it was received (registration date).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_TERM_RE = re.compile(r"^\s*(\d{4})\s*(VT|HT)\s*$", re.IGNORECASE)
HALVES = ("VT", "HT")


@dataclass(frozen=True)
class Term:
    """One term: a year and a half ("VT" spring, "HT" autumn), ordered in time."""

    year: int
    half: str

    def __post_init__(self) -> None:
        if self.half not in HALVES:
            raise ValueError(f"terminshalvan ska vara VT eller HT, inte {self.half!r}")
        if not 1900 <= self.year <= 2999:
            raise ValueError(f"året {self.year} ligger utanför 1900–2999")

    @property
    def code(self) -> str:
        return f"{self.year}{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.half == "VT" else 7, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.half == "VT" else dt.date(self.year, 12, 31)

    def contains(self, date: dt.date | dt.datetime) -> bool:
        """True when ``date`` (a date, datetime or pandas Timestamp) lies in this term."""
        if isinstance(date, dt.datetime):
            date = date.date()
        return self.start <= date <= self.end

    def same_term_last_year(self) -> Term:
        return Term(self.year - 1, self.half)

    def previous(self) -> Term:
        return Term(self.year, "VT") if self.half == "HT" else Term(self.year - 1, "HT")

    def next(self) -> Term:
        return Term(self.year + 1, "VT") if self.half == "HT" else Term(self.year, "HT")

    def __str__(self) -> str:
        return self.code

    def _key(self) -> tuple[int, int]:
        return self.year, HALVES.index(self.half)

    def __lt__(self, other: Term) -> bool:
        return self._key() < other._key()

    def __le__(self, other: Term) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: Term) -> bool:
        return self._key() > other._key()

    def __ge__(self, other: Term) -> bool:
        return self._key() >= other._key()


def parse_term(s: str | Term) -> Term:
    """Parse ``"2025HT"`` (case and surrounding spaces tolerated) into a Term.

    Raises ValueError with a message that says what a term code looks like.
    """
    if isinstance(s, Term):
        return s
    m = _TERM_RE.match(str(s))
    if not m:
        raise ValueError(
            f"{s!r} är ingen termin: skriv året och VT eller HT, till exempel 2025VT eller 2025HT"
        )
    return Term(int(m.group(1)), m.group(2).upper())


def term_of(date: dt.date | dt.datetime) -> str:
    """The term code of a date: January–June is VT, July–December HT."""
    return f"{date.year}{'VT' if date.month <= 6 else 'HT'}"


def terms_of_year(year: int | str) -> list[str]:
    """The two term codes of a year, spring first."""
    try:
        y = int(str(year).strip())
    except ValueError:
        raise ValueError(f"{year!r} är inget år: skriv fyra siffror, till exempel 2025") from None
    Term(y, "VT")  # range check
    return [f"{y}VT", f"{y}HT"]


def _comparison(spec: object, own: str) -> str:
    compare = str(spec.get("compare") or "") if isinstance(spec, dict) else ""
    return "" if compare in ("", own) else compare


def report_term(params: dict, term: str | None, compare: str | None) -> tuple[str, str]:
    """The term a term-report notebook runs on and the term it is compared with ("": none).

    Given (by DVC) they are used as they are; left at None (a notebook opened in
    JupyterLab) they come from params.yaml: its latest term and that term's ``compare``.
    """
    terms = params.get("terms") or {}
    if term is None:
        if not terms:
            raise ValueError("params.yaml har inga terminer: kör samverkan new-term TERMIN")
        term = max((str(t) for t in terms), key=parse_term)
    if compare is None:
        compare = _comparison(terms.get(term), term)
    return str(term), "" if compare in ("", term) else str(compare)


def report_year(params: dict, year: str | None, compare: str | None) -> tuple[str, str]:
    """Like :func:`report_term` for the annual report: the latest year of params.yaml."""
    years = params.get("years") or {}
    if year is None:
        if not years:
            raise ValueError('params.yaml har inga år under years: lägg till t.ex. "2026"')
        year = max(str(y) for y in years)
    if compare is None:
        compare = _comparison(years.get(year) or years.get(int(year)), year)
    return str(year), "" if compare in ("", year) else str(compare)
