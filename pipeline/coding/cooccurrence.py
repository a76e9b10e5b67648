"""Which causes appear together: a cause x cause matrix of case counts."""

from __future__ import annotations

import logging

import pandas as pd

from pipeline.schema import CAUSES

log = logging.getLogger(__name__)


def cooccurrence(coded: pd.DataFrame) -> pd.DataFrame:
    """Cases that carry both causes (row, column); the diagonal counts cases with that cause.

    ``coded`` needs the boolean ``cause_<id>`` columns of CodedCasesSchema. The result is an
    int64 frame indexed by cause id on both axes, in codebook order.
    """
    missing = [f"cause_{c}" for c in CAUSES if f"cause_{c}" not in coded.columns]
    if missing:
        raise KeyError(f"coded cases lack the columns {missing}")
    x = coded[[f"cause_{c}" for c in CAUSES]].fillna(False).astype(bool).astype("int64").to_numpy()
    matrix = pd.DataFrame(x.T @ x, index=list(CAUSES), columns=list(CAUSES), dtype="int64")
    matrix.index.name = "orsak"
    matrix.columns.name = "orsak"
    return matrix
