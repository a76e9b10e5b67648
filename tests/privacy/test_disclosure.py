"""Disclosure control: primary and secondary suppression, proven by solving for hidden cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.privacy.disclosure import (
    DisclosurePolicy,
    ProtectedTable,
    protect,
    protect_series,
    safe_count,
)

P3 = DisclosurePolicy(min_cell=3)
P5 = DisclosurePolicy(min_cell=5)


Line = list[tuple[tuple[int, int], int]]


def _margin_lines(pt: ProtectedTable) -> list[Line]:
    """The margin equations as (cell, sign) lists: the signed sum of a line is zero."""
    n_rows, n_cols = pt.values.shape
    inner_r = n_rows - (1 if pt.col_totals else 0)
    inner_c = n_cols - (1 if pt.row_totals else 0)
    lines: list[Line] = []
    if pt.row_totals:
        for i in range(n_rows):
            lines.append([((i, j), 1) for j in range(inner_c)] + [((i, n_cols - 1), -1)])
    if pt.col_totals:
        for j in range(n_cols):
            lines.append([((i, j), 1) for i in range(inner_r)] + [((n_rows - 1, j), -1)])
    return lines


def consistent_values(pt: ProtectedTable) -> dict[tuple, set[int]]:
    """For each suppressed cell, values it can take given the shown cells and margins.

    Exhaustive search (backtracking, pruned by the margins) under what a reader knows: the
    shown cells, the margins, that a ``<3`` cell lies in 1..min_cell-1 and an ``x`` cell is
    at least 1 (zeros are shown): what a reader could work out from the table. For each
    hidden cell it looks for one consistent table where that cell has another value than
    the true one: the set is {true value, other value}, or {true value} when the search
    proved that there is no other value.
    """
    v = pt.values.to_numpy().astype(int)
    mask = pt.suppressed.to_numpy()
    small = pt.marked_small.to_numpy()
    lines = _margin_lines(pt)
    hidden = [tuple(int(x) for x in c) for c in np.argwhere(mask)]
    upper = int(v.max()) + 1  # room above the grand total (fewer values only make it stricter)
    found: dict[tuple, set[int]] = {}
    for cell in hidden:
        other = _other_value(cell, v, mask, small, lines, hidden, upper, pt.min_cell)
        found[cell] = {int(v[cell])} | ({other} if other is not None else set())
    return found


def _other_value(cell, v, mask, small, lines, hidden, upper, min_cell) -> int | None:
    """A value of ``cell`` other than the true one in some table consistent with what is
    shown, or None when there is none (depth-first search: ``cell`` first, then always
    the open cell with the fewest possible values)."""
    lines_of = {c: [line for line in lines if any(d == c for d, _ in line)] for c in hidden}
    grid = v.copy()
    assigned: set[tuple] = set()

    def known(c: tuple) -> bool:
        return (not mask[c]) or c in assigned

    def candidates(c: tuple) -> range | list[int]:
        low, high = (1, min_cell - 1) if small[c] else (1, upper)
        for line in lines_of[c]:  # the last unknown cell of a line: its value follows
            if all(known(d) for d, _ in line if d != c):
                sign = next(s for d, s in line if d == c)
                value = -sign * sum(int(grid[d]) * s for d, s in line if d != c)
                return [value] if low <= value <= high else []
        return range(low, high + 1)

    def lines_ok(c: tuple) -> bool:
        for line in lines_of[c]:
            if all(known(d) for d, _ in line):
                if sum(int(grid[d]) * s for d, s in line) != 0:
                    return False
            elif known(line[-1][0]):  # hidden inner cells are at least 1
                least = sum(int(grid[d]) if known(d) else 1 for d, _ in line[:-1])
                if least > grid[line[-1][0]]:
                    return False
        return True

    def search(c: tuple) -> bool:
        for value in candidates(c):
            if c == cell and value == v[c]:
                continue
            grid[c] = value
            assigned.add(c)
            if lines_ok(c):
                open_cells = [d for d in hidden if d not in assigned]
                if not open_cells:
                    return True
                if search(min(open_cells, key=lambda d: len(candidates(d)))):
                    return True
            assigned.discard(c)
        grid[c] = v[c]
        return False

    return int(grid[cell]) if search(cell) else None


def assert_protected(pt: ProtectedTable) -> None:
    for cell, values in consistent_values(pt).items():
        assert len(values) > 1, f"suppressed cell {cell} can be worked out: {values}"


def naive(table: pd.DataFrame, policy: DisclosurePolicy) -> ProtectedTable:
    """Primary suppression only: what a careless version would publish."""
    pt = protect(table, policy)
    return ProtectedTable(pt.values, pt.primary, pt.primary, policy)


LEAKY = pd.DataFrame(
    {"kommun_till_region": [1, 5, 7], "region_till_kommun": [4, 6, 8]},
    index=["svedala", "vellinge", "trelleborg"],
)


def test_naive_primary_suppression_leaks() -> None:
    leaks = consistent_values(naive(LEAKY, P3))
    assert leaks == {(0, 0): {1}}


def test_secondary_suppression_protects_the_small_cell() -> None:
    pt = protect(LEAKY, P3)
    assert pt.primary.to_numpy().sum() == 1
    assert pt.suppressed.loc["svedala", "kommun_till_region"]
    assert pt.suppressed.to_numpy().sum() >= 4
    assert_protected(pt)


def test_zero_is_shown_and_totals_added() -> None:
    table = pd.DataFrame({"a": [0, 5], "b": [4, 6]}, index=["x", "y"])
    pt = protect(table, P3)
    assert not pt.suppressed.to_numpy().any()
    expected = pd.DataFrame(
        {"a": ["0", "5", "5"], "b": ["4", "6", "10"], "Totalt": ["4", "11", "15"]},
        index=["x", "y", "Totalt"],
        dtype=object,
    )
    pd.testing.assert_frame_equal(pt.display(), expected)


def test_display_uses_mark_and_swedish_thousands() -> None:
    table = pd.DataFrame({"a": [1, 1200], "b": [1500, 2000]}, index=["x", "y"])
    shown = protect(table, P3).display()
    assert shown.loc["x", "a"] == "<3"
    assert shown.loc["y", "Totalt"] == "3\u00a0200"


@pytest.mark.parametrize(
    "rows",
    [
        [[1, 0, 4], [2, 9, 3], [5, 5, 5]],
        [[2, 0], [0, 7]],  # diagonal: totals equal the small cells
        [[1, 2, 1], [0, 0, 0], [3, 3, 3]],
        [[0, 1, 0], [0, 4, 0], [9, 9, 9]],
        [[1, 8]],  # one row: column totals repeat the row
        [[4, 5, 6], [7, 1, 9]],
    ],
)
def test_every_suppressed_cell_has_more_than_one_consistent_value(rows: list) -> None:
    table = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(rows[0]))])
    pt = protect(table, P3)
    assert pt.primary.to_numpy().any()
    assert_protected(pt)
    # primary cells are always among the suppressed ones
    assert (pt.suppressed.to_numpy() | ~pt.primary.to_numpy()).all()


def test_small_total_is_suppressed_too() -> None:
    table = pd.DataFrame({"a": [1, 0], "b": [1, 6]}, index=["x", "y"])
    pt = protect(table, P3)
    assert pt.primary.loc["x", "Totalt"]
    assert pt.suppressed.loc["x", "Totalt"]
    assert_protected(pt)


def test_without_margins_only_primary_suppression() -> None:
    table = pd.DataFrame({"a": [1, 5], "b": [4, 6]})
    pt = protect(table, P3, row_totals=False, col_totals=False)
    assert list(pt.values.columns) == ["a", "b"]
    assert pt.suppressed.to_numpy().sum() == 1


def test_series_with_total_gets_secondary_suppression() -> None:
    counts = pd.Series({"sip": 2, "kommunikation": 10, "rutiner": 6, "resurser": 0}, name="Fall")
    pt = protect_series(counts, P3)
    assert pt.suppressed.loc["sip", "Fall"]
    assert pt.suppressed.loc["rutiner", "Fall"]  # the smallest other non-zero cell
    assert not pt.suppressed.loc["resurser", "Fall"]  # zero is shown, never a complement
    assert not pt.suppressed.loc["Totalt", "Fall"]
    assert pt.values.loc["Totalt", "Fall"] == 18
    assert_protected(pt)


def test_series_without_total() -> None:
    counts = pd.Series({"sip": 2, "kommunikation": 10})
    pt = protect_series(counts, P3, total=False)
    assert pt.display()["Antal"].tolist() == ["<3", "10"]


def test_min_cell_five() -> None:
    table = pd.DataFrame({"a": [4, 12], "b": [9, 30]})
    pt = protect(table, P5)
    assert pt.display().iloc[0, 0] == "<5"
    assert_protected(pt)


def test_safe_count() -> None:
    assert safe_count(0, P3) == "0"
    assert safe_count(1, P3) == "färre än 3"
    assert safe_count(2, P3) == "färre än 3"
    assert safe_count(3, P3) == "3"
    assert safe_count(1234, P3) == "1\u00a0234"
    assert safe_count(4, P5) == "färre än 5"


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        protect(pd.DataFrame({"a": [-1]}), P3)


@pytest.mark.parametrize("seed", range(12))
def test_random_small_tables_are_protected(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 4)), int(rng.integers(2, 4)))
    table = pd.DataFrame(rng.integers(0, 7, size=shape))
    pt = protect(table, P3)
    assert_protected(pt)


def test_secondary_cells_are_marked_x_not_small() -> None:
    pt = protect(LEAKY, P3)
    shown = pt.display()
    assert shown.loc["svedala", "kommun_till_region"] == "<3"
    secondary = pt.suppressed & ~pt.primary
    assert secondary.to_numpy().any()
    assert (shown[secondary] == "x").sum().sum() == secondary.to_numpy().sum()
    assert pt.has_secondary


def test_small_marks_that_give_the_value_away_become_x() -> None:
    # 1 + 1 = 2 in one row: three "<3" cells would reveal all three values
    table = pd.DataFrame({"a": [1, 5], "b": [1, 6]}, index=["x", "y"])
    pt = protect(table, P3)
    assert_protected(pt)
    assert not pt.marked_small.loc["x"].all()


def test_text_of_a_cell() -> None:
    pt = protect(LEAKY, P3)
    assert pt.text("svedala", "kommun_till_region") == "färre än 3"
    assert pt.cell("svedala", "kommun_till_region") is None
    shown = [
        (r, c) for r in pt.values.index for c in pt.values.columns if not pt.suppressed.loc[r, c]
    ]
    r, c = shown[0]
    assert pt.cell(r, c) == int(pt.values.loc[r, c])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda rows: st.integers(1, 3).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(0, 5), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            )
        )
    ),
    st.booleans(),
    st.booleans(),
)
def test_property_no_hidden_cell_can_be_worked_out(
    rows: list[list[int]], row_totals: bool, col_totals: bool
) -> None:
    pt = protect(pd.DataFrame(rows), P3, row_totals=row_totals, col_totals=col_totals)
    assert_protected(pt)
    assert (pt.suppressed.to_numpy() | ~pt.primary.to_numpy()).all()
    assert not (pt.suppressed.to_numpy() & (pt.values.to_numpy() == 0)).any()
