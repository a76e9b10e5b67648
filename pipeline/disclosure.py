"""Disclosure control for published tables and numbers in text.

Rule (``disclosure.min_cell`` in params.yaml, default 3):

* primary suppression: every count from 1 to ``min_cell - 1`` is not shown (``<3``);
  zero is shown. This applies to totals too.
* secondary suppression: no suppressed count may be worked out from the counts that are
  shown, through the row totals, column totals and grand total. Complementary cells are
  suppressed until every suppressed cell can take more than one value given what is
  shown: first so that no row or column has exactly one suppressed cell, then by an exact
  linear-algebra check (a suppressed cell is recoverable when its unit vector lies in the
  row space of the margin equations restricted to the suppressed cells). Complements are
  the smallest non-zero inner cells first, totals only when nothing else is left. Zeros
  are never used as complements, so every suppressed cell lies on a cycle of cells worth
  at least 1 and can move by ±1 without breaking a margin or going negative.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import fmt

logger = logging.getLogger(__name__)

TOTAL_LABEL = "Totalt"


@dataclass(frozen=True)
class ProtectedTable:
    """A count table with its totals and the cells that must not be shown.

    ``values``: all counts (ints), including the total row/column when present.
    ``suppressed``: True where the count is not shown (primary or secondary).
    ``primary``: True where the count itself is small (1 to min_cell - 1).
    """

    values: pd.DataFrame
    suppressed: pd.DataFrame
    primary: pd.DataFrame
    min_cell: int
    row_totals: bool = True
    col_totals: bool = True

    @property
    def mark(self) -> str:
        """What a suppressed cell shows, e.g. ``<3``."""
        return f"<{self.min_cell}"

    def display(self) -> pd.DataFrame:
        """The table as Swedish-formatted strings, with ``<3`` where suppressed."""
        out = self.values.map(fmt.number).astype(object)
        out = out.where(~self.suppressed, self.mark)
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
            return f"färre än {self.min_cell}" if self.primary.loc[row, col] else "ej redovisat"
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
    """The margin equations as lists of (row, col, sign) over the full grid incl. totals.

    Each equation says: the signed cells sum to zero (inner cells +1, the total -1).
    """
    inner_r = n_rows - (1 if col_totals else 0)
    inner_c = n_cols - (1 if row_totals else 0)
    lines: list[list[tuple]] = []
    if row_totals:  # every row (incl. the total row) sums to its total column cell
        for i in range(n_rows):
            lines.append([(i, j, 1) for j in range(inner_c)] + [(i, n_cols - 1, -1)])
    if col_totals:  # every column (incl. the total column) sums to the total row cell
        for j in range(n_cols):
            lines.append([(i, j, 1) for i in range(inner_r)] + [(n_rows - 1, j, -1)])
    return lines


def _recoverable(mask: np.ndarray, lines: list[list[tuple]]) -> list[tuple[int, int]]:
    """Suppressed cells whose value follows from the shown cells and the margin equations."""
    cells = [tuple(c) for c in np.argwhere(mask)]
    if not cells:
        return []
    index = {c: k for k, c in enumerate(cells)}
    rows = []
    for line in lines:
        row = np.zeros(len(cells))
        for i, j, sign in line:
            k = index.get((i, j))
            if k is not None:
                row[k] = sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    out = []
    for c, k in index.items():
        unit = np.zeros(len(cells))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append(c)
    return out


def _pick_complement(
    candidates: list[tuple[int, int]],
    values: np.ndarray,
    mask: np.ndarray,
    is_total: np.ndarray,
) -> tuple[int, int] | None:
    """The cell to suppress next: smallest non-zero inner cell, totals last, zeros never."""
    free = [c for c in candidates if not mask[c] and values[c] > 0]
    if not free:
        return None
    return min(free, key=lambda c: (bool(is_total[c]), int(values[c]), c))


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
    line_cells = [[(i, j) for i, j, _ in line] for line in lines]

    for _ in range(v.size + 1):  # each round suppresses at least one more cell or stops
        changed = False
        # 1) no line may hold exactly one suppressed cell
        for cells in line_cells:
            if sum(mask[c] for c in cells) == 1:
                pick = _pick_complement(cells, v, mask, is_total)
                if pick is not None:
                    mask[pick] = True
                    changed = True
        if changed:
            continue
        # 2) exact check: nothing suppressed may follow from the shown cells
        exposed = _recoverable(mask, lines)
        if not exposed:
            break
        for cell in exposed:
            related = [c for cells in line_cells if cell in cells for c in cells]
            pick = _pick_complement(related, v, mask, is_total)
            if pick is None:  # nothing left in its lines: take any other non-zero cell
                pick = _pick_complement([tuple(c) for c in np.argwhere(~mask)], v, mask, is_total)
            if pick is not None:
                mask[pick] = True
                changed = True
                break
        if not changed:
            logger.warning("disclosure: could not fully protect a table of shape %s", v.shape)
            break

    n_secondary = int((mask & ~primary).sum())
    logger.debug(
        "disclosure: %d primary, %d secondary suppressions", int(primary.sum()), n_secondary
    )
    frame = dict(index=values.index, columns=values.columns)
    return ProtectedTable(
        values=values,
        suppressed=pd.DataFrame(mask, **frame),
        primary=pd.DataFrame(primary, **frame),
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
