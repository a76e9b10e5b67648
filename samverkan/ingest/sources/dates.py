"""Date parsing for every format the exports use, vectorised.

Accepted (with optional time ``HH:MM`` or ``HH:MM:SS`` after a space or ``T``, ignored):
``2025-03-14``, ``2025/03/14``, ``14/03/2025``, ``14.03.2025``, ``14-03-2025``,
``20250314``, and Excel serial day numbers (``45730``, ``45730.5``; 1900 date system).
Day-first is assumed for ``dd/mm/yyyy`` (Swedish and European exports). Times are dropped:
a case's dates are whole days.

A text's date depends on that text alone, so each distinct text is parsed once per process
and remembered (``_by_text``): a term's files repeat the same few hundred dates, and the
pandas calls of a parse cost the same for ten rows as for ten thousand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

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


def _by_text(
    values: pd.Series, compute: Callable[[pd.Series], pd.Series], cache: dict[str, object]
) -> list[object]:
    """``compute`` of each value (None for a missing one), computed once per distinct text."""
    texts = values.astype("string").to_numpy(dtype=object, na_value=None)
    distinct = [t for t in dict.fromkeys(texts) if t is not None]
    missing = [t for t in distinct if t not in cache]
    if missing:
        if len(cache) + len(missing) > _CACHE_LIMIT:
            cache.clear()  # starting afresh forgets this call's known texts too
            missing = distinct
        found = compute(pd.Series(missing, dtype="string")).tolist()
        cache.update(zip(missing, found, strict=True))
    return [None if t is None else cache[t] for t in texts]


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse text dates to ``datetime64[ns]`` (midnight); NaT where empty or not a date.

    Years outside 1990–2100 and impossible days (31 Feb) give NaT.
    """
    found = _by_text(values, _parse_dates, _PARSED)
    return pd.Series(found, index=values.index, dtype="datetime64[ns]")


def impossible_dates(values: pd.Series) -> pd.Series:
    """True where the text has a date's shape with a month of 1-12 and a day of 1-31 but
    is no day of the calendar (``2026-02-30``, ``31/04/2026``)."""
    found = _by_text(values, _impossible_dates, _IMPOSSIBLE)
    return pd.Series([bool(x) for x in found], index=values.index, dtype=bool)


def _parse_dates(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = s.notna() & (s != "")
    for pat in _PATTERNS:
        if not todo.any():
            break
        parts = s[todo].str.extract(pat)
        hit = parts["y"].notna()
        if not hit.any():
            continue
        p = parts[hit].astype("int64")
        ok = p["y"].between(MIN_YEAR, MAX_YEAR) & p["m"].between(1, 12) & p["d"].between(1, 31)
        p = p[ok]
        dates = pd.to_datetime(
            pd.DataFrame({"year": p["y"], "month": p["m"], "day": p["d"]}), errors="coerce"
        )
        out.loc[dates.index] = dates.astype("datetime64[ns]")
        todo.loc[parts.index[hit]] = False
    if todo.any():
        serial = s[todo].str.extract(_SERIAL)["n"].dropna().astype("int64")
        serial = serial[serial.between(_SERIAL_MIN, _SERIAL_MAX)]
        if len(serial):
            out.loc[serial.index] = (EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")).astype(
                "datetime64[ns]"
            )
    return out


def _impossible_dates(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    out = pd.Series(False, index=values.index)
    for pat in _PATTERNS:
        parts = s.str.extract(pat)
        hit = parts["y"].notna()
        if not hit.any():
            continue
        p = parts[hit].astype("int64")
        shaped = p["m"].between(1, 12) & p["d"].between(1, 31)
        p = p[shaped]
        dates = pd.to_datetime(
            pd.DataFrame({"year": p["y"], "month": p["m"], "day": p["d"]}), errors="coerce"
        )
        out.loc[dates.index[dates.isna()]] = True
    return out
