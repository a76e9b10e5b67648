"""Disclosure control for published tables and numbers in text.

The rule is one policy object, :class:`DisclosurePolicy`, read from the ``disclosure``
section of params.yaml (``disclosure.min_cell``, normally 3):

* primary suppression: every count from 1 to ``min_cell - 1`` is not shown (``<3``);
  zero is shown. This applies to totals too.
* secondary suppression hides further counts (shown as ``x``, not ``<3``, which would be
  untrue), so that no hidden count can be worked out from the counts that are shown.

The reader is assumed to know the shown counts, the row totals, column totals and grand
total, that a ``<3`` cell lies between 1 and min_cell - 1 and that an ``x`` cell is at
least 1 (zeros are shown). The complementary cells are chosen by an optimiser
(``samverkan.privacy.optimal``: a mixed-integer model on HiGHS) that hides as few cases
as possible; its answer is then checked by the exact audit on the network the margin
equations form (``_exposed``). A cell the audit finds exposed is added to the cells the
model must protect and the model is solved again. Only when the solver gives no answer
(a model too large, or no solution in time) does the former greedy choice run instead
(``_greedy``: no line with exactly one hidden cell, then the same audit), with a warning.
Tables of one report that share counts are protected together by
``samverkan.privacy.linked.ReportProtection``.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from samverkan.privacy import optimal
from samverkan.project.errors import InputError
from samverkan.report import fmt

logger = logging.getLogger(__name__)

TOTAL_LABEL = "Totalt"
SECONDARY_MARK = "x"
SECONDARY_NOTE = "x = dolt, så att ett litet antal inte kan räknas fram ur summorna"

_PARAMS_FILE = "params.yaml"
_SECTION = "disclosure"

Cell = tuple[int, int]
MAX_AUDIT_ROUNDS = 8  # solve, audit, add the exposed cells, solve again
Arc = tuple[int, int]


@dataclass(frozen=True)
class DisclosurePolicy:
    """The disclosure rule of every published count (the ``disclosure`` section of
    params.yaml). ``min_cell``: counts from 1 to ``min_cell - 1`` are not shown.
    ``group_below``: parties with fewer cases than this are grouped as "Övriga parter" in
    the party matrix before suppression (0: no grouping; optional, default 0)."""

    min_cell: int
    group_below: int = 0

    def __post_init__(self) -> None:
        for name, least, example in (("min_cell", 1, 3), ("group_below", 0, 10)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
                raise InputError(
                    _PARAMS_FILE,
                    f"{_SECTION}.{name} är {value!r}, men måste vara ett heltal som är minst "
                    f"{least}",
                    f"Skriv ett heltal, t.ex. {name}: {example}, under disclosure: i params.yaml",
                )
            object.__setattr__(self, name, int(value))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> DisclosurePolicy:
        """The policy of the ``disclosure`` section of params.yaml (all of its keys)."""
        section = params.get(_SECTION) if isinstance(params, Mapping) else None
        if not isinstance(section, Mapping):
            raise InputError(
                _PARAMS_FILE,
                "avsnittet disclosure saknas eller har fel form",
                "Lägg till avsnittet disclosure: med raden min_cell: 3 i params.yaml",
            )
        names = [f.name for f in fields(cls)]
        unknown = sorted(str(key) for key in section if key not in names)
        if unknown:
            raise InputError(
                _PARAMS_FILE,
                f"okänd nyckel under disclosure: {', '.join(unknown)}",
                f"Ta bort den eller rätta stavningen; giltiga nycklar: {', '.join(names)}",
            )
        required = [f.name for f in fields(cls) if f.default is MISSING]
        missing = [name for name in required if name not in section]
        if missing:
            raise InputError(
                _PARAMS_FILE,
                f"{_SECTION}.{missing[0]} saknas",
                f"Lägg till {missing[0]}: under disclosure: i params.yaml (t.ex. min_cell: 3)",
            )
        return cls(**{name: section[name] for name in names if name in section})

    @property
    def mark(self) -> str:
        """What a small (primary-suppressed) cell shows, e.g. ``<3``."""
        return f"<{self.min_cell}"

    @property
    def small_text(self) -> str:
        """A small count in running text, e.g. ``färre än 3``."""
        return f"färre än {self.min_cell}"


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
    policy: DisclosurePolicy
    row_totals: bool = True
    col_totals: bool = True
    marked_small: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.marked_small is None:
            object.__setattr__(self, "marked_small", self.primary.copy())

    @property
    def min_cell(self) -> int:
        """The policy's ``min_cell`` (counts below it and above zero are hidden)."""
        return self.policy.min_cell

    @property
    def mark(self) -> str:
        """What a small (primary-suppressed) cell shows, e.g. ``<3``."""
        return self.policy.mark

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
            return self.policy.small_text if small else "ett antal"
        return fmt.number(value)

    @property
    def n_suppressed(self) -> int:
        return int(self.suppressed.to_numpy().sum())


def is_small(n: int, policy: DisclosurePolicy) -> bool:
    """True for counts that primary suppression hides (1 to min_cell - 1)."""
    return 0 < int(n) < policy.min_cell


def safe_count(n: int, policy: DisclosurePolicy) -> str:
    """A count for running text: ``"12"``, ``"0"``, or ``"färre än 3"`` when it is small."""
    if is_small(n, policy):
        return policy.small_text
    return fmt.number(int(n))


# --- the grid of counts and its margin equations ------------------------------------------


@dataclass(frozen=True)
class _Grid:
    """The counts with totals as an array, which cells are totals, and the margin lines."""

    values: np.ndarray
    is_total: np.ndarray
    lines: list[list[Cell]]
    row_totals: bool
    col_totals: bool
    min_cell: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @classmethod
    def of(
        cls, values: pd.DataFrame, row_totals: bool, col_totals: bool, policy: DisclosurePolicy
    ) -> _Grid:
        v = values.to_numpy(dtype="int64")
        n_rows, n_cols = v.shape
        is_total = np.zeros(v.shape, dtype=bool)
        if row_totals:
            is_total[:, -1] = True
        if col_totals:
            is_total[-1, :] = True
        lines = _lines(n_rows, n_cols, row_totals, col_totals)
        return cls(v, is_total, lines, row_totals, col_totals, policy.min_cell)


def _counts(table: pd.DataFrame) -> pd.DataFrame:
    """The table as int64 counts (missing = 0); negative numbers are refused."""
    counts = table.fillna(0)
    if (counts.to_numpy() < 0).any():
        raise ValueError("en antalstabell kan inte innehålla negativa tal")
    return counts.astype("int64")


def _with_totals(table: pd.DataFrame, row_totals: bool, col_totals: bool) -> pd.DataFrame:
    values = table.copy()
    if row_totals:
        values[TOTAL_LABEL] = values.sum(axis=1)
    if col_totals:
        values.loc[TOTAL_LABEL] = values.sum(axis=0)
    return values


def _lines(n_rows: int, n_cols: int, row_totals: bool, col_totals: bool) -> list[list[Cell]]:
    """The margin equations as lists of (row, col) over the full grid incl. totals.

    Each equation says: the inner cells of the line sum to its last cell (the total).
    """
    inner_r = n_rows - (1 if col_totals else 0)
    inner_c = n_cols - (1 if row_totals else 0)
    lines: list[list[Cell]] = []
    if row_totals:  # every row (incl. the total row) sums to its total column cell
        for i in range(n_rows):
            lines.append([(i, j) for j in range(inner_c)] + [(i, n_cols - 1)])
    if col_totals:  # every column (incl. the total column) sums to the total row cell
        for j in range(n_cols):
            lines.append([(i, j) for i in range(inner_r)] + [(n_rows - 1, j)])
    return lines


# --- the exact check: which hidden cells can a reader work out? ---------------------------


def _cell_arcs(grid: _Grid, i: int, j: int, small: bool) -> list[Arc]:
    """The feasible unit changes of one hidden cell, as arcs between row and column nodes.

    Nodes: rows 0..n_rows-1, columns n_rows..n_rows+n_cols-1; the lines without an
    equation (no totals that way) are all merged into one free node.
    """
    n_rows, n_cols = grid.shape
    free = n_rows + n_cols
    total_r = n_rows - 1 if grid.col_totals else None
    total_c = n_cols - 1 if grid.row_totals else None
    v = int(grid.values[i, j])
    low, high = (1, grid.min_cell - 1) if small else (1, None)
    flip = (i == total_r) != (j == total_c)  # a row or column total, not the grand total
    up, down = (high is None or v + 1 <= high), (v - 1 >= low)
    plus, minus = (down, up) if flip else (up, down)  # feasible +1 / -1 of the flow
    a = i if grid.row_totals else free
    b = n_rows + j if grid.col_totals else free
    return ([(a, b)] if plus else []) + ([(b, a)] if minus else [])


def _hidden_arcs(grid: _Grid, mask: np.ndarray, marked_small: np.ndarray) -> dict[Cell, list[Arc]]:
    """The arcs of every hidden cell (see ``_cell_arcs``)."""
    arcs: dict[Cell, list[Arc]] = {}
    for i, j in np.argwhere(mask):
        i, j = int(i), int(j)
        arcs[(i, j)] = _cell_arcs(grid, i, j, bool(marked_small[i, j]))
    return arcs


def _adjacency_without(arcs: dict[Cell, list[Arc]], cell: Cell) -> dict[int, list[int]]:
    """Node -> next nodes over the arcs of every hidden cell except ``cell``."""
    others: dict[int, list[int]] = {}
    for other, pairs in arcs.items():
        if other != cell:
            for x, y in pairs:
                others.setdefault(x, []).append(y)
    return others


def _reaches(start: int, goal: int, adjacency: dict[int, list[int]]) -> bool:
    """True when there is a path from ``start`` to ``goal`` (depth-first search)."""
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in adjacency.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _exposed(grid: _Grid, mask: np.ndarray, marked_small: np.ndarray) -> list[Cell]:
    """Suppressed cells whose value a reader can work out from what is shown.

    The reader knows every shown cell, the margin equations, that a ``<3`` cell lies in
    1..min_cell-1 and that an ``x`` cell is at least 1 (zeros are always shown). The margin
    equations of a table with totals form a network: with row nodes and column nodes (the
    total row and column included, their equations negated), a change to the hidden cells
    that keeps every margin is a circulation. A hidden cell can take another value exactly
    when one of its feasible unit changes lies on a cycle of feasible unit changes of
    hidden cells.
    """
    arcs = _hidden_arcs(grid, mask, marked_small)
    exposed = []
    for cell, own in arcs.items():
        others = _adjacency_without(arcs, cell)
        if not any(a == b or _reaches(b, a, others) for a, b in own):
            exposed.append(cell)
    return exposed


# --- choosing the cells to hide ----------------------------------------------------------


def _best_complement(
    values: np.ndarray,
    mask: np.ndarray,
    is_total: np.ndarray,
    lines: list[list[Cell]],
    needy: list[int],
) -> Cell | None:
    """The cell to suppress next for the lines ``needy`` (indexes into ``lines``).

    Prefers a cell that serves two needy lines at once, then one that does not leave a new
    line with a single hidden cell, then inner cells over totals, then the smallest value.
    Zeros are never chosen.
    """
    hidden = [sum(bool(mask[c]) for c in line) for line in lines]
    member: dict[Cell, list[int]] = {}
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


def _lines_with_one_hidden(lines: list[list[Cell]], mask: np.ndarray) -> list[int]:
    """The lines (indexes) that hold exactly one hidden cell: its value follows."""
    return [k for k, line in enumerate(lines) if sum(bool(mask[c]) for c in line) == 1]


def _unmark_small(grid: _Grid, needy: list[int], exposed: list[Cell], marked: np.ndarray) -> bool:
    """Show the ``<3`` cells of the needy lines (and the exposed cells) as ``x`` instead:
    there the marks themselves give the value away (e.g. 1 + 1 = 2 in one row). False
    when there is no such mark."""
    near = {c for k in needy for c in grid.lines[k]} | set(exposed)
    relabel = [c for c in near if marked[c]]
    for c in relabel:
        marked[c] = False
    return bool(relabel)


def _hide_smallest_shown(grid: _Grid, mask: np.ndarray) -> bool:
    """Hide the smallest shown non-zero cell (inner cells first); False when none is left."""
    v, is_total = grid.values, grid.is_total
    rest = [tuple(c) for c in np.argwhere(~mask & (v > 0))]
    if not rest:
        rows, cols = grid.shape
        logger.warning(
            "Röjandekontroll: en tabell med %d × %d celler kunde inte skyddas helt", rows, cols
        )
        return False
    mask[min(rest, key=lambda c: (bool(is_total[c]), int(v[c]), c))] = True
    return True


def _suppression_step(grid: _Grid, mask: np.ndarray, marked: np.ndarray) -> bool:
    """Hide or re-mark one more cell; False when the table is protected (or cannot be)."""
    # 1) no line may hold exactly one hidden cell
    needy = _lines_with_one_hidden(grid.lines, mask)
    exposed: list[Cell] = []
    if not needy:
        # 2) exact check: no hidden cell may follow from what is shown
        exposed = _exposed(grid, mask, marked)
        if not exposed:
            return False
        needy = [k for k, line in enumerate(grid.lines) if exposed[0] in line]
    pick = _best_complement(grid.values, mask, grid.is_total, grid.lines, needy)
    if pick is not None:
        mask[pick] = True
        return True
    # 3) nothing left to hide in those lines: the "<3" marks themselves give the value away
    if _unmark_small(grid, needy, exposed, marked):
        return True
    return _hide_smallest_shown(grid, mask)


def _system(grid: _Grid) -> optimal.System:
    """The grid as a system of the optimiser: cells row by row, each line's total negated."""
    n_cols = grid.shape[1]
    lines = [
        [(i * n_cols + j, -1 if k == len(line) - 1 else 1) for k, (i, j) in enumerate(line)]
        for line in grid.lines
    ]
    return optimal.System(grid.values.ravel(), grid.min_cell, lines)


def _optimise(grid: _Grid) -> tuple[np.ndarray, np.ndarray] | None:
    """(suppressed, marked as ``<3``) from the optimiser, checked by the exact audit.

    A cell the audit finds exposed is added to the cells the model must protect and the
    model is solved again; None when the solver gives no answer that passes the audit.
    """
    system = _system(grid)
    required = [int(c) for c in np.flatnonzero(system.small)]
    for _ in range(MAX_AUDIT_ROUNDS):
        solution = optimal.solve(system, required)
        if solution is None:
            return None
        mask = solution.hidden.reshape(grid.shape)
        marked = solution.marked_small.reshape(grid.shape)
        exposed = _exposed(grid, mask, marked)
        if not exposed:
            return mask, marked
        required += [i * grid.shape[1] + j for i, j in exposed]
    return None


def _greedy(grid: _Grid, primary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The former greedy choice, used only when the optimiser gives no answer."""
    mask = primary.copy()
    marked = primary.copy()
    for _ in range(2 * grid.values.size + 2):  # each round hides or re-marks a cell, or stops
        if not _suppression_step(grid, mask, marked):
            break
    return mask, marked


def _suppress(grid: _Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(primary, suppressed, marked as ``<3``) of the grid; other hidden cells show ``x``."""
    v = grid.values
    primary = (v > 0) & (v < grid.min_cell)
    found = _optimise(grid) if primary.any() else (primary.copy(), primary.copy())
    if found is None:
        logger.warning(
            "Röjandekontroll: optimeringen gav inget svar för en tabell med %d × %d celler; "
            "den enklare stegvisa metoden används",
            *grid.shape,
        )
        found = _greedy(grid, primary)
    mask, marked = found
    logger.debug(
        "disclosure: %d primary, %d secondary suppressions",
        int(primary.sum()),
        int((mask & ~primary).sum()),
    )
    return primary, mask, marked


def protect(
    table: pd.DataFrame,
    policy: DisclosurePolicy,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
) -> ProtectedTable:
    """Add totals to a count table and work out which cells must not be shown.

    ``table`` holds non-negative integer counts (no totals). Returns a ProtectedTable whose
    ``values`` carry a "Totalt" column (``row_totals``) and row (``col_totals``).
    """
    values = _with_totals(_counts(table), row_totals, col_totals)
    primary, mask, marked = _suppress(_Grid.of(values, row_totals, col_totals, policy))
    frame = dict(index=values.index, columns=values.columns)
    return ProtectedTable(
        values=values,
        suppressed=pd.DataFrame(mask, **frame),
        primary=pd.DataFrame(primary, **frame),
        marked_small=pd.DataFrame(marked, **frame),
        policy=policy,
        row_totals=row_totals,
        col_totals=col_totals,
    )


def protect_series(
    counts: pd.Series, policy: DisclosurePolicy, *, total: bool = True, name: str = "Antal"
) -> ProtectedTable:
    """Protect a one-dimensional count table (e.g. cases per cause) with its total row.

    Returns a one-column ProtectedTable named ``name`` (the series' name when it has one).
    """
    column = counts.name if counts.name is not None else name
    frame = counts.to_frame(name=column)
    return protect(frame, policy, row_totals=False, col_totals=total)
