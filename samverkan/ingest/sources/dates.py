"""Date parsing for every format the exports use, vectorised.

Accepted (with optional time ``HH:MM`` or ``HH:MM:SS`` after a space or ``T``, ignored):
``2025-03-14``, ``2025/03/14``, ``14/03/2025``, ``14.03.2025``, ``14-03-2025``,
``20250314``, and Excel serial day numbers (``45730``, ``45730.5``; 1900 date system).
Day-first is assumed for ``dd/mm/yyyy`` (Swedish and European exports). Times are dropped:
a case's dates are whole days.

A text's date depends on that text alone, so each distinct text is parsed once per process
and remembered (``_by_text``): a term's files repeat the same few hundred dates. A text is
parsed with compiled patterns in plain Python: for the few new texts of one file that is
far cheaper than pandas' string methods, whose cost per call does not shrink with the rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

_TIME = r"(?:[ T]+\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?"
_PATTERNS = (
    rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$",
    rf"^(?P<d>\d{{1,2}})[-/.](?P<m>\d{{1,2}})[-/.](?P<y>\d{{4}}){_TIME}$",
    rf"^(?P<y>\d{{4}})(?P<m>\d{{2}})(?P<d>\d{{2}}){_TIME}$",
)
_SERIAL = r"^(?P<n>\d{5})(?:[.,]\d+)?$"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
MIN_YEAR, MAX_YEAR = 1990, 2100
_SERIAL_MIN = (pd.Timestamp(f"{MIN_YEAR}-01-01") - EXCEL_EPOCH).days
_SERIAL_MAX = (pd.Timestamp(f"{MAX_YEAR}-12-31") - EXCEL_EPOCH).days


_CACHE_LIMIT = 200_000  # distinct texts remembered per function (then it starts afresh)
_PARSED: dict[str, object] = {}
_IMPOSSIBLE: dict[str, object] = {}


def _by_text(values: pd.Series, one: Callable[[str], object], cache: dict[str, object]) -> list:
    """``one`` of each value (None for a missing one), computed once per distinct text."""
    texts = values.astype("string").to_numpy(dtype=object, na_value=None)
    distinct = [t for t in dict.fromkeys(texts) if t is not None]
    missing = [t for t in distinct if t not in cache]
    if missing:
        if len(cache) + len(missing) > _CACHE_LIMIT:
            cache.clear()  # starting afresh forgets this call's known texts too
            missing = distinct
        cache.update((t, one(t)) for t in missing)
    return [None if t is None else cache[t] for t in texts]


_NAT = np.iinfo(np.int64).min  # NaT as datetime64[ns] integers


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse text dates to ``datetime64[ns]`` (midnight); NaT where empty or not a date.

    Years outside 1990–2100 and impossible days (31 Feb) give NaT.
    """
    # each distinct text's day as nanoseconds since the epoch: one array of integers,
    # instead of pandas converting a Timestamp object per row
    found = _by_text(values, _parse_ns, _PARSED)
    ns = np.fromiter((_NAT if v is None else v for v in found), np.int64, len(found))
    return pd.Series(ns.view("datetime64[ns]"), index=values.index)


def _parse_ns(text: str) -> int | None:
    day = _parse_one(text)
    return None if day is None else day.value


def impossible_dates(values: pd.Series) -> pd.Series:
    """True where the text has a date's shape with a month of 1-12 and a day of 1-31 but
    is no day of the calendar (``2026-02-30``, ``31/04/2026``)."""
    found = _by_text(values, _impossible_one, _IMPOSSIBLE)
    return pd.Series([bool(x) for x in found], index=values.index, dtype=bool)


_COMPILED = tuple(re.compile(p) for p in _PATTERNS)
_SERIAL_RX = re.compile(_SERIAL)


def _ymd(m: re.Match[str]) -> tuple[int, int, int]:
    return int(m["y"]), int(m["m"]), int(m["d"])


def _parse_one(text: str) -> pd.Timestamp | None:
    """The day a text names (the first pattern it has the shape of decides), else None."""
    s = text.strip()
    if not s:
        return None
    for rx in _COMPILED:
        m = rx.match(s)
        if m is None:
            continue
        y, mo, d = _ymd(m)
        if not (MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12 and 1 <= d <= 31):
            return None
        try:
            return pd.Timestamp(dt.date(y, mo, d))
        except ValueError:  # 31 April
            return None
    m = _SERIAL_RX.match(s)
    if m is not None and _SERIAL_MIN <= int(m["n"]) <= _SERIAL_MAX:
        return EXCEL_EPOCH + pd.Timedelta(days=int(m["n"]))
    return None


def _impossible_one(text: str) -> bool:
    """True when some pattern has a month of 1-12 and a day of 1-31 that is no day."""
    s = text.strip()
    for rx in _COMPILED:
        m = rx.match(s)
        if m is None:
            continue
        y, mo, d = _ymd(m)
        if 1 <= mo <= 12 and 1 <= d <= 31:
            try:
                dt.date(y, mo, d)
            except ValueError:
                return True
    return False
