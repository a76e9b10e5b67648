"""Optimal secondary suppression: no table hides more cases than it must.

The least number of hidden cases is found here by brute force over every set of cells on
tiny tables and compared with what ``protect`` hides; the exact audit must pass too.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from samverkan.privacy import optimal
from samverkan.privacy.disclosure import DisclosurePolicy, _exposed, _greedy, _Grid, protect

P3 = DisclosurePolicy(min_cell=3)


def _least_hidden_cases(table: pd.DataFrame) -> int:
    """The fewest cases (totals included) any safe suppression hides, ``<3`` marks kept."""
    pt = protect(table, P3)
    grid = _Grid.of(pt.values, True, True, P3)
    v = grid.values
    primary = (v > 0) & (v < 3)
    free = [tuple(c) for c in np.argwhere(v >= 3)]
    best = None
    for k in range(len(free) + 1):
        for extra in itertools.combinations(free, k):
            mask = primary.copy()
            for c in extra:
                mask[c] = True
            cost = int(v[mask].sum())
            if best is not None and cost >= best:
                continue
            if not _exposed(grid, mask, primary):
                best = cost
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(6))
def test_protect_hides_no_more_cases_than_the_best_safe_choice(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(rng.choice([0, 1, 2, 3, 4, 6, 9], size=(2, 3)))
    pt = protect(table, P3)
    hidden_cases = int(pt.values.to_numpy()[pt.suppressed.to_numpy()].sum())
    assert hidden_cases <= _least_hidden_cases(table)
    grid = _Grid.of(pt.values, True, True, P3)
    assert _exposed(grid, pt.suppressed.to_numpy(), pt.marked_small.to_numpy()) == []


def test_optimiser_shows_more_cases_than_the_former_greedy_choice() -> None:
    # the shape of the party matrix: a few large flows, small ones at the edges
    table = pd.DataFrame([[41, 0, 22, 1], [0, 19, 0, 2], [14, 0, 12, 0], [1, 0, 0, 11]])
    pt = protect(table, P3)
    grid = _Grid.of(pt.values, True, True, P3)
    greedy, _ = _greedy(grid, pt.primary.to_numpy())
    inner = table.to_numpy()

    def visible(mask: np.ndarray) -> int:
        return int(inner[~mask[:-1, :-1]].sum())

    assert visible(pt.suppressed.to_numpy()) == 78  # the greedy choice shows 48 of 123
    assert visible(pt.suppressed.to_numpy()) > visible(greedy)


def test_solver_answer_none_falls_back_to_the_greedy_choice(monkeypatch, caplog) -> None:
    monkeypatch.setattr(optimal, "solve", lambda system, protect: None)
    pt = protect(pd.DataFrame({"a": [1, 5], "b": [4, 6]}), P3)
    grid = _Grid.of(pt.values, True, True, P3)
    assert _exposed(grid, pt.suppressed.to_numpy(), pt.marked_small.to_numpy()) == []
    assert "stegvisa metoden" in caplog.text


def test_audit_finds_a_cell_the_margins_give_away() -> None:
    # one row: a hidden 1 and a hidden 4 with the total 5 shown, and a shown 0 elsewhere
    values = np.array([1, 4, 5])
    system = optimal.System(values, 3, [[(0, 1), (1, 1), (2, -1)]])
    hidden = np.array([True, True, False])
    marked = np.array([True, False, False])
    assert optimal.audit_exposed(system, hidden, marked) == []  # 1+4 or 2+3
    only = np.array([True, False, False])
    assert optimal.audit_exposed(system, only, marked) == [0]  # 5 - 4 = 1
