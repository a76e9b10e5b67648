"""One report, one protection: the tables and quoted numbers of a report protected together.

Why: each table protected alone is safe alone, but a report's tables share margins. In a
term report one table hid two organisations' totals, another printed them, and a small
cell followed as 14 - 13 = 1. Here every count a report publishes is a cell of one linked
system (``optimal.System``): a cell is identified by what it counts (the dimensions and
labels the caller declares, e.g. ``organisation = "Region Skåne"`` with the direction
summed out), so the same count in two tables is one cell, hidden in both or neither, and
every table's margin equations apply to it.

Tables are protected in the order the report shows them. A count already published keeps
its status (shown or hidden); the optimiser chooses the rest of the new table's hidden
cells against the whole system, and the exact audit runs over every table (the network
check of ``disclosure._exposed`` per table) and over the linked system (integer
feasibility, ``optimal.audit_exposed``). An exposed cell is protected and the model solved
again. Tables declared without dimensions share no cells (they are protected alone).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from samverkan.privacy import optimal
from samverkan.privacy.disclosure import (
    TOTAL_LABEL,
    DisclosurePolicy,
    ProtectedTable,
    _counts,
    _exposed,
    _Grid,
    _with_totals,
    is_small,
    protect,
)
from samverkan.report import fmt

logger = logging.getLogger(__name__)

Key = tuple[str, frozenset]
MAX_ROUNDS = 8


@dataclass
class _Registered:
    """One protected table: its grid and the global index of each of its cells."""

    grid: _Grid
    index: np.ndarray  # global cell index per grid cell


@dataclass
class ReportProtection:
    """The disclosure control of one report: every table and quoted count goes through it.

    ``scope`` names the population counted (the report's cases). Counts of another
    population, e.g. one term's in the annual report, carry that term as their scope (see
    ``protect_with_parts``, which takes in a table as its term report published it).
    """

    policy: DisclosurePolicy
    scope: str = "fall"
    _keys: dict[Key, int] = field(default_factory=dict)
    _values: list[int] = field(default_factory=list)
    _lines: list[optimal.Line] = field(default_factory=list)
    _hidden: list[bool] = field(default_factory=list)
    _marked: list[bool] = field(default_factory=list)
    _decided: list[bool] = field(default_factory=list)
    _tables: list[_Registered] = field(default_factory=list)
    _anonymous: itertools.count = field(default_factory=itertools.count)

    def _cell(self, key: Key, value: int) -> int:
        """The global index of the count ``key`` (added when new)."""
        if key in self._keys and self._values[self._keys[key]] != value:
            # declared alike but counted differently (e.g. cases without a party left out):
            # not the same count, so not the same cell
            logger.debug("disclosure: %r differs between tables; not linked", key)
            key = (key[0], key[1] | {("_värde", int(value))})
        if key in self._keys:
            return self._keys[key]
        self._keys[key] = len(self._values)
        self._values.append(int(value))
        self._hidden.append(False)
        self._marked.append(False)
        self._decided.append(False)
        return self._keys[key]

    def _table_keys(
        self,
        values: pd.DataFrame,
        rows: str | None,
        cols: str | None,
        scope,
        row_scopes=None,
        col_scopes: Mapping[Hashable, str] | None = None,
    ) -> list[Key]:
        """The key of every cell: totals leave their dimension out. ``cols`` "" : the one
        column is no dimension (a series). A table with an undeclared dimension links to
        nothing (its keys carry a tag of their own). ``row_scopes``: row label -> (scope,
        label) for rows that count another population (e.g. one term of the year).
        ``col_scopes``: column label -> scope for tables whose columns are populations
        (this term and the term compared with): such a column is no dimension, so its
        cells are the same counts as the rows' totals elsewhere in that population."""
        tag = {("_tabell", next(self._anonymous))} if rows is None or cols is None else set()
        keys = []
        for r in values.index:
            own_scope, label = (row_scopes or {}).get(r, (scope or self.scope, r))
            for c in values.columns:
                dims = set(tag)
                key_scope = own_scope if r != TOTAL_LABEL else scope or self.scope
                if r != TOTAL_LABEL:
                    dims.add((rows, label))
                if col_scopes is not None:
                    # the sum over populations counts no one population: a scope of its own
                    key_scope = col_scopes.get(c, " + ".join(map(str, col_scopes.values())))
                elif c != TOTAL_LABEL and cols != "":
                    dims.add((cols, c))
                keys.append((key_scope, frozenset(dims)))
        return keys

    def _register(self, values: pd.DataFrame, grid: _Grid, keys: list[Key]) -> np.ndarray:
        """Add a table's cells and margin equations; the global index of each cell."""
        cells = zip(keys, grid.values.ravel(), strict=True)
        index = np.array([self._cell(k, int(v)) for k, v in cells])
        n_cols = grid.shape[1]
        for line in grid.lines:
            last = len(line) - 1
            self._lines.append(
                [
                    (int(index[i * n_cols + j]), -1 if k == last else 1)
                    for k, (i, j) in enumerate(line)
                ]
            )
        self._tables.append(_Registered(grid, index))
        return index

    def adopt(
        self, published: ProtectedTable, *, rows: str, cols: str, scope: str | None = None
    ) -> None:
        """Take in a table as another report published it (e.g. a term report's): its
        counts keep the status they have there, and its equations join the audit."""
        grid = _Grid.of(published.values, published.row_totals, published.col_totals, self.policy)
        keys = self._table_keys(published.values, rows, cols, scope)
        index = self._register(published.values, grid, keys)
        for k, i in enumerate(index):
            self._hidden[i] = bool(published.suppressed.to_numpy().ravel()[k])
            self._marked[i] = bool(published.marked_small.to_numpy().ravel()[k])
            self._decided[i] = True

    def adopt_first_table(
        self, table: pd.DataFrame, *, rows: str, cols: str, scope: str
    ) -> ProtectedTable:
        """Take in ``table`` as the report of population ``scope`` (e.g. the term compared
        with) publishes it when it is that report's first linked table: protected alone."""
        published = protect(table, self.policy)
        self.adopt(published, rows=rows, cols=cols, scope=scope)
        return published

    def protect_with_parts(
        self,
        parts: Mapping[str, pd.DataFrame],
        combined: pd.DataFrame,
        *,
        rows: str,
        cols: str,
    ) -> ProtectedTable:
        """Protect ``combined``, whose rows are the rows of ``parts`` (e.g. one table per
        term) one after the other, consistently with how each part was published alone:
        each part is protected as a report that shows it first protects it, taken in with
        ``adopt``, and ``combined`` then shows and hides its rows' counts alike."""
        row_scopes: list[tuple[str, Hashable]] = []
        for scope, part in parts.items():
            self.adopt(protect(part, self.policy), rows=rows, cols=cols, scope=scope)
            row_scopes += [(scope, r) for r in part.index]
        labels = list(combined.index)
        if len(labels) != len(row_scopes) or len(set(labels)) != len(labels):
            raise ValueError("tabellens rader är inte delarnas rader")
        mapping = dict(zip(labels, row_scopes, strict=True))
        total_scope = f"{rows} (alla delar)"  # the combined totals count all parts
        return self.protect(combined, rows=rows, cols=cols, scope=total_scope, row_scopes=mapping)

    def protect(
        self,
        table: pd.DataFrame,
        *,
        rows: str | None = None,
        cols: str | None = None,
        row_totals: bool = True,
        col_totals: bool = True,
        scope: str | None = None,
        row_scopes: Mapping[Hashable, tuple[str, Hashable]] | None = None,
        col_scopes: Mapping[Hashable, str] | None = None,
    ) -> ProtectedTable:
        """Protect ``table`` together with everything this report published before.

        ``rows`` / ``cols``: what the row and column labels are (e.g. "organisation"); the
        same name and label in two tables means the same count. None: not linked.
        ``col_scopes``: for a comparison whose columns are populations (column label ->
        scope, e.g. {"Hösten 2025": report.scope, "Hösten 2024": "2024HT"}).
        """
        values = _with_totals(_counts(table), row_totals, col_totals)
        grid = _Grid.of(values, row_totals, col_totals, self.policy)
        keys = self._table_keys(values, rows, cols, scope, row_scopes, col_scopes)
        index = self._register(values, grid, keys)
        self._settle()
        return self._result(values, grid, index)

    def protect_series(
        self,
        counts: pd.Series,
        *,
        dim: str | None = None,
        total: bool = True,
        name: str = "Antal",
        scope: str | None = None,
    ) -> ProtectedTable:
        """Protect a one-dimensional count table (its total row when ``total``)."""
        column = counts.name if counts.name is not None else name
        frame = counts.to_frame(name=column)
        return self.protect(
            frame,
            rows=dim,
            cols="" if dim else None,
            row_totals=False,
            col_totals=total,
            scope=scope,
        )

    def text(self, n: int, scope: str | None = None, **dims: Hashable) -> str:
        """A count quoted in running text (e.g. ``text(12, organisation="Region Skåne")``):
        the same count as in a table shows as it does there; a new count is protected."""
        index = self._cell((scope or self.scope, frozenset(dims.items())), int(n))
        self._settle()
        if self._hidden[index]:
            return self.policy.small_text if self._marked[index] else "ett antal"
        return fmt.number(int(n))

    # --- solving --------------------------------------------------------------------

    def _system(self) -> optimal.System:
        decided = np.array(self._decided, bool)
        hidden = np.array(self._hidden, bool)
        return optimal.System(
            np.array(self._values),
            self.policy.min_cell,
            self._lines,
            shown=decided & ~hidden,
            hidden=decided & hidden,
            marked=np.array(self._marked, bool),
        )

    def _exposed_cells(self, hidden: np.ndarray, marked: np.ndarray, system) -> list[int]:
        """Hidden cells a reader can work out: in any one table, or across the tables."""
        found: set[int] = set()
        for reg in self._tables:
            shape = reg.grid.shape
            cells = _exposed(
                reg.grid, hidden[reg.index].reshape(shape), marked[reg.index].reshape(shape)
            )
            found |= {int(reg.index[i * shape[1] + j]) for i, j in cells}
        if not found and len(self._tables) > 1:
            found |= set(optimal.audit_exposed(system, hidden, marked))
        return sorted(found)

    def _settle(self) -> None:
        """Decide every new cell: optimise, audit, protect what the audit finds, repeat."""
        system = self._system()
        # the new small counts; an earlier one the new equations expose is added by the audit
        required = [int(c) for c in np.flatnonzero(system.small & ~system.shown & ~system.hidden)]
        for _ in range(MAX_ROUNDS):
            solution = optimal.solve(system, required)
            if solution is None:
                hidden, marked = self._hide_all_new(system)
                break
            hidden, marked = solution.hidden, solution.marked_small
            exposed = self._exposed_cells(hidden, marked, system)
            if not exposed:
                break
            required = sorted(set(required) | set(exposed))
        else:
            logger.warning("Röjandekontroll: rapportens tabeller kunde inte skyddas helt")
        self._hidden = [bool(x) for x in hidden]
        self._marked = [bool(x) for x in marked]
        self._decided = [True] * len(self._values)

    def _hide_all_new(self, system: optimal.System) -> tuple[np.ndarray, np.ndarray]:
        """When the optimiser has no answer: hide every new non-zero count (shown as ``x``)."""
        logger.warning(
            "Röjandekontroll: optimeringen gav inget svar för rapportens tabeller; alla nya "
            "antal över noll döljs"
        )
        hidden = system.hidden | (~system.shown & (system.values > 0))
        marked = (system.marked & system.hidden) | (system.small & ~system.hidden)
        return hidden, marked

    def _result(self, values: pd.DataFrame, grid: _Grid, index: np.ndarray) -> ProtectedTable:
        hidden = np.array(self._hidden, bool)[index].reshape(grid.shape)
        marked = np.array(self._marked, bool)[index].reshape(grid.shape)
        primary = np.vectorize(lambda v: is_small(v, self.policy))(grid.values).astype(bool)
        frame = dict(index=values.index, columns=values.columns)
        return ProtectedTable(
            values=values,
            suppressed=pd.DataFrame(hidden, **frame),
            primary=pd.DataFrame(primary, **frame),
            marked_small=pd.DataFrame(marked, **frame),
            policy=self.policy,
            row_totals=grid.row_totals,
            col_totals=grid.col_totals,
        )
