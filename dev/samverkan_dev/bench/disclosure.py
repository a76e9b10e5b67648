"""Benchmark of disclosure control: the time ``protect`` takes on hard count tables."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from samverkan.privacy.disclosure import DisclosurePolicy, ProtectedTable, protect

# The rule of params.yaml in the demo (disclosure.min_cell: 3).
POLICY = DisclosurePolicy(min_cell=3)


def _best_seconds(
    table: pd.DataFrame, repeats: int, policy: DisclosurePolicy
) -> tuple[float, ProtectedTable]:
    """(best time of ``repeats`` runs of ``protect``, the result of the last run)."""
    best = float("inf")
    result = None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = protect(table, policy)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def benchmark(
    shapes: tuple[tuple[int, int], ...] = ((7, 3), (15, 15), (30, 30)),
    repeats: int = 3,
    seed: int = 0,
    policy: DisclosurePolicy = POLICY,
) -> list[dict[str, float]]:
    """Time ``protect`` on random Poisson(3) count tables (many small cells: a hard case).

    Returns one row per shape: milliseconds per table (best of ``repeats``), cells hidden.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for shape in shapes:
        table = pd.DataFrame(rng.poisson(3, size=shape))
        best, result = _best_seconds(table, repeats, policy)
        rows.append(
            {
                "rows": shape[0],
                "cols": shape[1],
                "ms": round(best * 1000, 1),
                "primary": int(result.primary.to_numpy().sum()),
                "hidden": int(result.suppressed.to_numpy().sum()),
                "cells": int(result.values.size),
            }
        )
    return rows
