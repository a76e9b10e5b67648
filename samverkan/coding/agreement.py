"""Agreement figures: Cohen's kappa per cause and Krippendorff's alpha over all causes.

Two comparisons: analyst 1 against analyst 2 on the cases both coded, and the automatic
suggestions against the manual codes on the cases coded by hand.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import krippendorff
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two binary codings; None when undefined (no cases, or no variation)."""
    x = np.asarray(a, dtype=bool)
    y = np.asarray(b, dtype=bool)
    n = len(x)
    if n == 0 or len(y) != n:
        return None
    po = float(np.mean(x == y))
    px, py = float(x.mean()), float(y.mean())
    pe = px * py + (1 - px) * (1 - py)
    if math.isclose(pe, 1.0):
        return None
    return (po - pe) / (1 - pe)


def krippendorff_alpha(first: np.ndarray, second: np.ndarray) -> float | None:
    """Nominal alpha over all (case, cause) units of two coders; None when undefined."""
    data = np.vstack([np.asarray(first, float).ravel(), np.asarray(second, float).ravel()])
    if data.shape[1] == 0 or len(np.unique(data)) < 2:
        return None
    try:
        value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except (ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(value) else value


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def compare(first: pd.DataFrame, second: pd.DataFrame, *, min_cases: int) -> dict[str, Any]:
    """{"n", "alpha", "kappa": {cause: kappa}} of two boolean case x cause tables."""
    n = len(first)
    enough = n >= max(min_cases, 1)
    kappa = {
        c: _r(cohen_kappa(first[c].to_numpy(), second[c].to_numpy())) if enough else None
        for c in first.columns
    }
    alpha = _r(krippendorff_alpha(first.to_numpy(), second.to_numpy())) if enough else None
    return {"n": int(n), "alpha": alpha, "kappa": kappa}


def _split(values: pd.Series, cause_ids: Sequence[str]) -> pd.DataFrame:
    """A boolean case x cause table from ";"-joined cause ids."""
    sets = [set(str(v).split(";")) if isinstance(v, str) and v else set() for v in values]
    return pd.DataFrame({c: [c in s for s in sets] for c in cause_ids}, index=values.index)


def _double_coded(coded: pd.DataFrame, sheet: pd.DataFrame | None) -> pd.DataFrame:
    """The sheet rows of cases in ``coded`` that both analysts coded."""
    if sheet is None or not len(sheet):
        return pd.DataFrame()
    present = sheet["case_id"].astype(str).isin(set(coded["case_id"].astype(str)))
    return sheet[present & sheet["a1_coded"].astype(bool) & sheet["a2_coded"].astype(bool)]


def _analyst_codes(double: pd.DataFrame, analyst: str, cause_ids: Sequence[str]) -> pd.DataFrame:
    """One analyst's boolean case x cause table of the double-coded rows."""
    return pd.DataFrame(
        {c: double[f"{analyst}_{c}"].astype(bool) if len(double) else [] for c in cause_ids}
    )


def agreement_summary(
    coded: pd.DataFrame, sheet: pd.DataFrame | None, cause_ids: Sequence[str], *, min_cases: int
) -> dict[str, Any]:
    """The figures written as agreement.json (sorted keys, 3 decimals, null when undefined).

    ``coded`` is a coded-cases table; ``sheet`` the output of ``read_sheet`` (or None);
    ``cause_ids`` the codebook's causes. Figures on fewer than ``min_cases`` cases are null.
    """
    manual = coded[coded["coding"] == "manuell"]
    auto_vs_manual = compare(
        _split(manual["auto_causes"], cause_ids),
        _split(manual["manual_causes"], cause_ids),
        min_cases=min_cases,
    )
    double = _double_coded(coded, sheet)
    between = compare(
        _analyst_codes(double, "a1", cause_ids),
        _analyst_codes(double, "a2", cause_ids),
        min_cases=min_cases,
    )
    return {
        "n_cases": len(coded),
        "n_manual": len(manual),
        "n_auto_only": int(len(coded) - len(manual)),
        "n_double_coded": len(double),
        "auto_vs_manual": auto_vs_manual,
        "between_analysts": between,
    }
