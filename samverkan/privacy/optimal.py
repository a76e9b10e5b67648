"""Optimal secondary suppression: a mixed-integer model solved by HiGHS (scipy.optimize.milp).

Why a solver: the greedy choice hid far more than needed (on the demo's party matrix every
non-zero inner count). Statistical offices choose complementary cells by optimisation
(Tau-Argus ``OPT``, Fischetti & Salazar 1999); this module does the same with the HiGHS
solver that ships with scipy.

The published counts form a *system*: cells (counts) and lines (margin equations: a
signed sum of cells that is zero). One table is one system; the tables of a report that
share cells are one linked system (see ``samverkan.privacy.linked``).

The model. Binary ``x_i``: cell i is hidden. For every cell that must be protected (each
small count, and any cell a later audit finds exposed) a circulation ``y`` over the hidden
cells: ``y`` keeps every line's sum (``A y = 0``), moves only hidden cells and only in a
direction the reader cannot rule out (a ``<3`` cell stays within 1..min_cell-1, every
hidden cell stays at least 1), and moves the protected cell by exactly one (up or down,
binary ``z``). Such a ``y`` exists exactly when the protected cell can take another value
given what is shown. A further binary ``w_i`` lets a small cell be shown as ``x`` instead
of ``<3`` when the mark itself would give its value away (e.g. 1 + 1 = 2 in one row).

What is minimised: the number of cases hidden (each hidden cell costs its count), then the
number of hidden cells and changed marks. Cases, not cells, because what a reader loses is
the counts, and hiding one large total costs more information than two small cells; it
is also the default cost of Tau-Argus ``OPT`` on a frequency table, so the two compare.

The model's answer is always checked afterwards by an exact audit of the integer values a
reader could assume (the caller's; see ``audit_exposed`` here for linked systems). A cell
the audit finds exposed becomes a further protected cell and the model is solved again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

logger = logging.getLogger(__name__)

Line = list[tuple[int, int]]  # (cell index, sign): the signed sum of the line is zero

# Models larger than this (protected cells x hideable cells) are not solved exactly.
MAX_MODEL_SIZE = 400_000
TIME_LIMIT_SECONDS = 60.0


@dataclass
class System:
    """Counts, which of them are small, the margin equations and what is already decided.

    ``shown`` / ``hidden``: cells whose status is fixed (e.g. published in an earlier table
    of the same report); ``marked``: for those hidden, whether they show ``<3`` or ``x``.
    ``bounded`` False: a reader who assumes only that a hidden count is not negative
    (Tau-Argus's default for a frequency table), for comparison.
    """

    values: np.ndarray
    min_cell: int
    lines: list[Line]
    shown: np.ndarray = field(default=None)  # type: ignore[assignment]
    hidden: np.ndarray = field(default=None)  # type: ignore[assignment]
    marked: np.ndarray = field(default=None)  # type: ignore[assignment]
    bounded: bool = True

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype="int64")
        n = self.values.size
        self.shown = np.zeros(n, bool) if self.shown is None else np.asarray(self.shown, bool)
        self.hidden = np.zeros(n, bool) if self.hidden is None else np.asarray(self.hidden, bool)
        # the marks of cells already published as hidden (``<3`` True, ``x`` False)
        self.marked = self.small if self.marked is None else np.asarray(self.marked, bool)

    @property
    def small(self) -> np.ndarray:
        return (self.values > 0) & (self.values < self.min_cell)

    def hideable(self) -> np.ndarray:
        """Cells the model may hide: non-zero and not fixed as shown."""
        return (self.values > 0) & ~self.shown


@dataclass
class Solution:
    """Which cells are hidden, which small ones are shown as ``<3``, and whether optimal."""

    hidden: np.ndarray
    marked_small: np.ndarray
    optimal: bool


def _moves(system: System, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(may go up by one, may go down by one) for the hideable cells, marks kept."""
    v = system.values[cells]
    small = system.small[cells]
    if not system.bounded:
        return np.ones(cells.size, bool), v - 1 >= 0
    up = ~small | (v + 1 <= system.min_cell - 1)
    down = v - 1 >= 1
    return up, down


def _line_rows(system: System, pos: dict[int, int]) -> sparse.csr_matrix:
    """The margin equations restricted to the hideable cells (others never move)."""
    rows, cols, data = [], [], []
    for r, line in enumerate(system.lines):
        for cell, sign in line:
            if cell in pos:
                rows.append(r)
                cols.append(pos[cell])
                data.append(sign)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(system.lines), len(pos)))


def _commodity(
    system: System, k: int, target: int, m: int, pos: dict[int, int], moves
) -> tuple[sparse.coo_matrix, np.ndarray, np.ndarray]:
    """The constraints of one protected cell's circulation (matrix rows, lower, upper).

    Variable layout: x (m), w (m), then per commodity y (m) and z (1). Rows: the lines
    (``A y = 0``); ``y_i - up_i x_i - relax_i w_i <= 0``; ``y_i + down_i x_i >= 0``;
    ``y_target - 2 z = -1`` (the protected cell moves by one, up when z = 1, else down).
    """
    up, down, small = moves
    y0 = 2 * m + k * (m + 1)
    lines = _line_rows(system, pos).tocoo()
    n_l = lines.shape[0]
    idx = np.arange(m)
    relax = np.flatnonzero(~up & small)
    rows = [lines.row, n_l + idx, n_l + idx, n_l + relax, n_l + m + idx, n_l + m + idx]
    cols = [y0 + lines.col, y0 + idx, idx, m + relax, y0 + idx, idx]
    data = [lines.data, np.ones(m), -up.astype(float), -np.ones(relax.size)]
    data += [np.ones(m), down.astype(float)]
    last = n_l + 2 * m
    rows += [np.array([last, last])]
    cols += [np.array([y0 + pos[target], y0 + m])]
    data += [np.array([1.0, -2.0])]
    n_rows = last + 1
    matrix = sparse.coo_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, y0 + m + 1),
    )
    lo = np.concatenate([np.zeros(n_l), np.full(m, -np.inf), np.zeros(m), [-1.0]])
    hi = np.concatenate([np.zeros(n_l), np.zeros(m), np.full(m, np.inf), [-1.0]])
    return matrix, lo, hi


def _bounds(system: System, cells: np.ndarray, n_k: int) -> Bounds:
    m = cells.size
    lo = np.concatenate([(system.hidden | system.small)[cells].astype(float), np.zeros(m)])
    w_hi = (system.small[cells] & system.bounded).astype(float)
    w_lo = np.zeros(m)
    fixed = system.hidden[cells] & system.small[cells]  # published marks stay as they were
    w_hi[fixed] = w_lo[fixed] = (~system.marked[cells][fixed]).astype(float)
    lo[m:] = w_lo
    hi = np.concatenate([np.ones(m), w_hi])
    y_lo = np.concatenate([np.full(m, -1.0), [0.0]])
    y_hi = np.concatenate([np.full(m, 1.0), [1.0]])
    lo = np.concatenate([lo, np.tile(y_lo, n_k)])
    hi = np.concatenate([hi, np.tile(y_hi, n_k)])
    return Bounds(lo, hi)


def _objective(system: System, cells: np.ndarray, n_k: int) -> tuple[np.ndarray, np.ndarray]:
    """(cost, integrality): cases hidden first, then hidden cells and changed marks."""
    m = cells.size
    weight = float(2 * m + 1)  # one case outweighs every cell and mark together
    cost_x = system.values[cells].astype(float) * weight + 1.0
    cost = np.concatenate([cost_x, np.ones(m), np.zeros(n_k * (m + 1))])
    integrality = np.concatenate([np.ones(2 * m), np.tile(np.r_[np.zeros(m), 1.0], n_k)])
    return cost, integrality


def solve(system: System, protect: list[int]) -> Solution | None:
    """The least costly suppression under which every cell of ``protect`` is protected.

    None when the model is too large, the solver finds no feasible answer in time, or
    there is nothing it may hide: the caller then falls back to its own method.
    """
    cells = np.flatnonzero(system.hideable())
    targets = sorted({int(t) for t in protect})
    m, n_k = cells.size, len(targets)
    if n_k == 0:
        hidden = system.hidden | system.small
        return Solution(hidden, system.small & ~(system.hidden & ~system.marked), True)
    pos = {int(c): i for i, c in enumerate(cells)}
    if any(t not in pos for t in targets) or m * n_k > MAX_MODEL_SIZE:
        return None
    up, down = _moves(system, cells)
    moves = (up, down, system.small[cells])
    n_var = 2 * m + n_k * (m + 1)
    mats, lows, highs = [], [], []
    for k, target in enumerate(targets):
        a, lo, hi = _commodity(system, k, target, m, pos, moves)
        mats.append(sparse.coo_matrix((a.data, (a.row, a.col)), shape=(a.shape[0], n_var)))
        lows.append(lo)
        highs.append(hi)
    matrix = sparse.vstack(mats).tocsr()
    constraint = LinearConstraint(matrix, np.concatenate(lows), np.concatenate(highs))
    cost, integrality = _objective(system, cells, n_k)
    res = milp(
        cost,
        integrality=integrality,
        bounds=_bounds(system, cells, n_k),
        constraints=constraint,
        options={"time_limit": TIME_LIMIT_SECONDS, "presolve": True},
    )
    if res.x is None:
        logger.debug("disclosure: HiGHS found no solution (%s)", res.message)
        return None
    hidden = system.hidden | system.small
    hidden[cells] |= res.x[:m] > 0.5
    unmarked = np.zeros_like(hidden)
    unmarked[cells] = res.x[m : 2 * m] > 0.5
    return Solution(hidden, system.small & hidden & ~unmarked, bool(res.status == 0))


def _feasible_other(system, hidden_cells, marked, target: int, bound: float, up: bool) -> bool:
    """True when the hidden cells can take integer values, consistent with every line and
    with what the marks say, in which ``target`` is at least ``bound`` (up) or at most it."""
    pos = {int(c): i for i, c in enumerate(hidden_cells)}
    v = system.values
    a = _line_rows(system, pos)
    known = np.zeros(len(system.lines))
    for r, line in enumerate(system.lines):
        known[r] = sum(sign * v[c] for c, sign in line if c not in pos)
    ceiling = float(max(1, int(np.abs(v).sum())) * 2)
    lo = np.ones(len(pos))
    hi = np.where(marked[hidden_cells], system.min_cell - 1, ceiling).astype(float)
    i = pos[target]
    if up:
        lo[i] = max(lo[i], bound)
    else:
        hi[i] = min(hi[i], bound)
    if lo[i] > hi[i]:
        return False
    res = milp(
        np.zeros(len(pos)),
        integrality=np.ones(len(pos)),
        bounds=Bounds(lo, hi),
        constraints=LinearConstraint(a, -known, -known),
        options={"time_limit": TIME_LIMIT_SECONDS},
    )
    return res.status == 0


def audit_exposed(system: System, hidden: np.ndarray, marked: np.ndarray) -> list[int]:
    """Hidden cells whose value follows from what is shown, over every line of the system.

    Exact for integers: for each hidden cell two feasibility problems (another integer
    table, consistent with the shown counts, the margins and the marks, where the cell is
    one lower or one higher). Used for linked tables, whose lines no longer form one
    network; a single table is audited by ``disclosure._exposed``.
    """
    hidden_cells = np.flatnonzero(hidden)
    exposed = []
    for c in hidden_cells:
        c = int(c)
        v = int(system.values[c])
        lower = _feasible_other(system, hidden_cells, marked, c, v - 1, up=False)
        if not lower and not _feasible_other(system, hidden_cells, marked, c, v + 1, up=True):
            exposed.append(c)
    return exposed
