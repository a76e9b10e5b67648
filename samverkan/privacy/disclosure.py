"""Disclosure control for published tables and numbers in text.

Rule (``disclosure.min_cell`` in params.yaml, default 3):

* primary suppression: every count from 1 to ``min_cell - 1`` is not shown (``<3``);
  zero is shown. This applies to totals too.
* secondary suppression hides further counts (shown as ``x``, not ``<3``, which would be
  untrue), so that no hidden count can be worked out from the counts that are shown.

The reader is assumed to know the shown counts, the row totals, column totals and grand
total, that a ``<3`` cell lies between 1 and min_cell - 1 and that an ``x`` cell is at
least min_cell. Complementary cells are hidden until every hidden cell can take more than
one value under that knowledge: first so that no row or column has exactly one hidden
cell (a greedy choice that prefers cells closing two such lines at once, inner cells over
totals, small values over large, never zeros), then by an exact check on the network the
margin equations form (see ``_exposed``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from samverkan.report import fmt

logger = logging.getLogger(__name__)

TOTAL_LABEL = "Totalt"
SECONDARY_MARK = "x"
SECONDARY_NOTE = "x = dolt, så att ett litet antal inte kan räknas fram ur summorna"


@dataclass(frozen=True)
class ProtectedTable:
    """A count table with its totals and the cells that must not be shown.

    ``values``: all counts (ints), including the total row/column when present.
    ``suppressed``: True where the count is not shown (primary or secondary).
    ``primary``: True where the count itself is small (1 to min_cell - 1).
    ``marked_small``: the cells shown as ``<3`` (the primary ones, except where that mark
    would itself give a value away); other hidden cells are shown as ``x``.
    """

    values: pd.DataFrame
    suppressed: pd.DataFrame
    primary: pd.DataFrame
    min_cell: int
    row_totals: bool = True
    col_totals: bool = True
    marked_small: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.marked_small is None:
            object.__setattr__(self, "marked_small", self.primary.copy())

    @property
    def mark(self) -> str:
        """What a small (primary-suppressed) cell shows, e.g. ``<3``."""
        return f"<{self.min_cell}"

    @property
    def has_secondary(self) -> bool:
        """True when some cell is hidden only to protect a small one (shown as ``x``)."""
        return bool((self.suppressed & ~self.marked_small).to_numpy().any())

    def display(self) -> pd.DataFrame:
        """The table as Swedish-formatted strings: ``<3`` for a small count, ``x`` for a count
        hidden so that a small one cannot be worked out (secondary suppression)."""
        out = self.values.map(fmt.number).astype(object)
        out = out.where(~(self.suppressed & ~self.marked_small), SECONDARY_MARK)
        out = out.where(~self.marked_small, self.mark)
        return out

    def shown(self) -> pd.DataFrame:
        """The counts as a nullable integer table with suppressed cells as <NA>."""
        return self.values.astype("Int64").mask(self.suppressed)

    def cell(self, row: object, col: object) -> int | None:
        """One count, or None when it is suppressed."""
        if bool(self.suppressed.loc[row, col]):
            return None
        return int(self.values.loc[row, col])

    def text(self, row: object, col: object) -> str:
        """One count for running text ("färre än 3" when suppressed)."""
        value = self.cell(row, col)
        if value is None:
            small = self.marked_small.loc[row, col]
            return f"färre än {self.min_cell}" if small else "ett antal"
        return fmt.number(value)

    @property
    def n_suppressed(self) -> int:
        return int(self.suppressed.to_numpy().sum())


def is_small(n: int, min_cell: int) -> bool:
    """True for counts that primary suppression hides (1 to min_cell - 1)."""
    return 0 < int(n) < int(min_cell)


def safe_count(n: int, min_cell: int) -> str:
    """A count for running text: ``"12"``, ``"0"``, or ``"färre än 3"`` when it is small."""
    if is_small(n, min_cell):
        return f"färre än {min_cell}"
    return fmt.number(int(n))


def _with_totals(table: pd.DataFrame, row_totals: bool, col_totals: bool) -> pd.DataFrame:
    values = table.copy()
    if row_totals:
        values[TOTAL_LABEL] = values.sum(axis=1)
    if col_totals:
        values.loc[TOTAL_LABEL] = values.sum(axis=0)
    return values


def _lines(n_rows: int, n_cols: int, row_totals: bool, col_totals: bool) -> list[list[tuple]]:
    """The margin equations as lists of (row, col) over the full grid incl. totals.

    Each equation says: the inner cells of the line sum to its last cell (the total).
    """
    inner_r = n_rows - (1 if col_totals else 0)
    inner_c = n_cols - (1 if row_totals else 0)
    lines: list[list[tuple]] = []
    if row_totals:  # every row (incl. the total row) sums to its total column cell
        for i in range(n_rows):
            lines.append([(i, j) for j in range(inner_c)] + [(i, n_cols - 1)])
    if col_totals:  # every column (incl. the total column) sums to the total row cell
        for j in range(n_cols):
            lines.append([(i, j) for i in range(inner_r)] + [(n_rows - 1, j)])
    return lines


def _exposed(
    values: np.ndarray,
    mask: np.ndarray,
    marked_small: np.ndarray,
    min_cell: int,
    shape: tuple[int, int],
    row_totals: bool,
    col_totals: bool,
) -> list[tuple[int, int]]:
    """Suppressed cells whose value a reader can work out from what is shown.

    The reader knows every shown cell, the margin equations, that a ``<3`` cell lies in
    1..min_cell-1 and that an ``x`` cell is at least 1 (zeros are always shown). The margin
    equations of a table with totals form a network: with row nodes and column nodes (the total row
    and column included, their equations negated), a change to the hidden cells that keeps
    every margin is a circulation. A hidden cell can take another value exactly when one of
    its feasible unit changes lies on a cycle of feasible unit changes of hidden cells.
    """
    n_rows, n_cols = shape
    total_r = n_rows - 1 if col_totals else None
    total_c = n_cols - 1 if row_totals else None
    # nodes: rows 0..n_rows-1, columns n_rows..n_rows+n_cols-1; lines without an equation
    # (no totals that way) are all merged into one free node.
    free = n_rows + n_cols

    def row_node(i: int) -> int:
        return i if row_totals else free

    def col_node(j: int) -> int:
        return n_rows + j if col_totals else free

    arcs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, j in np.argwhere(mask):
        i, j = int(i), int(j)
        v = int(values[i, j])
        low, high = (1, min_cell - 1) if marked_small[i, j] else (1, None)
        flip = (i == total_r) != (j == total_c)  # a row or column total, not the grand total
        up, down = (high is None or v + 1 <= high), (v - 1 >= low)
        plus, minus = (down, up) if flip else (up, down)  # feasible +1 / -1 of the flow
        a, b = row_node(i), col_node(j)
        arcs[(i, j)] = ([(a, b)] if plus else []) + ([(b, a)] if minus else [])

    exposed = []
    for cell, own in arcs.items():
        others: dict[int, list[int]] = {}
        for other, pairs in arcs.items():
            if other != cell:
                for x, y in pairs:
                    others.setdefault(x, []).append(y)
        movable = False
        for a, b in own:  # is there a path b -> a through the other hidden cells?
            seen, stack = {b}, [b]
            while stack and not movable:
                node = stack.pop()
                if node == a:
                    movable = True
                for nxt in others.get(node, []):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            if movable or a == b:
                movable = True
                break
        if not movable:
            exposed.append(cell)
    return exposed


def _best_complement(
    values: np.ndarray,
    mask: np.ndarray,
    is_total: np.ndarray,
    lines: list[list[tuple]],
    needy: list[int],
) -> tuple[int, int] | None:
    """The cell to suppress next for the lines ``needy`` (indexes into ``lines``).

    Prefers a cell that serves two needy lines at once, then one that does not leave a new
    line with a single hidden cell, then inner cells over totals, then the smallest value.
    Zeros are never chosen.
    """
    hidden = [sum(bool(mask[c]) for c in line) for line in lines]
    member: dict[tuple, list[int]] = {}
    for k, line in enumerate(lines):
        for c in line:
            member.setdefault(c, []).append(k)
    best, best_key = None, None
    for k in needy:
        for c in lines[k]:
            if mask[c] or values[c] <= 0:
                continue
            serves = sum(1 for m in member[c] if m in needy)
            creates = sum(1 for m in member[c] if m not in needy and hidden[m] == 0)
            key = (-serves, creates, bool(is_total[c]), int(values[c]), c)
            if best_key is None or key < best_key:
                best, best_key = c, key
    return best


def protect(
    table: pd.DataFrame,
    min_cell: int,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
) -> ProtectedTable:
    """Add totals to a count table and work out which cells must not be shown.

    ``table`` holds non-negative integer counts (no totals). Returns a ProtectedTable whose
    ``values`` carry a "Totalt" column (``row_totals``) and row (``col_totals``).
    """
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    counts = table.fillna(0)
    if (counts.to_numpy() < 0).any():
        raise ValueError("a count table cannot hold negative numbers")
    counts = counts.astype("int64")
    values = _with_totals(counts, row_totals, col_totals)
    v = values.to_numpy(dtype="int64")
    n_rows, n_cols = v.shape
    is_total = np.zeros(v.shape, dtype=bool)
    if row_totals:
        is_total[:, -1] = True
    if col_totals:
        is_total[-1, :] = True

    primary = (v > 0) & (v < min_cell)
    mask = primary.copy()
    lines = _lines(n_rows, n_cols, row_totals, col_totals)
    shape = (n_rows, n_cols)

    marked = primary.copy()  # shown as "<3"; other hidden cells are shown as "x"

    for _ in range(2 * v.size + 2):  # each round hides or re-marks one more cell, or stops
        # 1) no line may hold exactly one hidden cell
        needy = [k for k, line in enumerate(lines) if sum(bool(mask[c]) for c in line) == 1]
        exposed: list[tuple[int, int]] = []
        if not needy:
            # 2) exact check: no hidden cell may follow from what is shown
            exposed = _exposed(v, mask, marked, min_cell, shape, row_totals, col_totals)
            if not exposed:
                break
            needy = [k for k, line in enumerate(lines) if exposed[0] in line]
        pick = _best_complement(v, mask, is_total, lines, needy)
        if pick is not None:
            mask[pick] = True
            continue
        # 3) nothing left to hide in those lines: the "<3" marks themselves give the value
        #    away (e.g. 1 + 1 = 2 in one row), so show those cells as "x" instead
        near = {c for k in needy for c in lines[k]} | set(exposed)
        relabel = [c for c in near if marked[c]]
        if relabel:
            for c in relabel:
                marked[c] = False
            continue
        rest = [tuple(c) for c in np.argwhere(~mask & (v > 0))]
        if not rest:
            logger.warning("disclosure: could not fully protect a table of shape %s", shape)
            break
        mask[min(rest, key=lambda c: (bool(is_total[c]), int(v[c]), c))] = True

    n_secondary = int((mask & ~primary).sum())
    logger.debug(
        "disclosure: %d primary, %d secondary suppressions", int(primary.sum()), n_secondary
    )
    frame = dict(index=values.index, columns=values.columns)
    return ProtectedTable(
        values=values,
        suppressed=pd.DataFrame(mask, **frame),
        primary=pd.DataFrame(primary, **frame),
        marked_small=pd.DataFrame(marked, **frame),
        min_cell=int(min_cell),
        row_totals=row_totals,
        col_totals=col_totals,
    )


def protect_series(
    counts: pd.Series, min_cell: int, *, total: bool = True, name: str = "Antal"
) -> ProtectedTable:
    """Protect a one-dimensional count table (e.g. cases per cause) with its total row.

    Returns a one-column ProtectedTable named ``name`` (the series' name when it has one).
    """
    column = counts.name if counts.name is not None else name
    frame = counts.to_frame(name=column)
    return protect(frame, min_cell, row_totals=False, col_totals=total)


def benchmark(
    shapes: tuple[tuple[int, int], ...] = ((7, 3), (15, 15), (30, 30)),
    repeats: int = 3,
    seed: int = 0,
) -> list[dict[str, float]]:
    """Time ``protect`` on random Poisson(3) count tables (many small cells: a hard case).

    Returns one row per shape: milliseconds per table (best of ``repeats``), cells hidden.
    """
    import time

    rng = np.random.default_rng(seed)
    rows = []
    for shape in shapes:
        table = pd.DataFrame(rng.poisson(3, size=shape))
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            result = protect(table, 3)
            best = min(best, time.perf_counter() - start)
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
