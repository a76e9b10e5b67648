"""One report, one protection: tables that share counts are protected together.

Reproduces the 2026VT term report's leak (issue 12): one table hid two organisations'
totals, another printed them, and a small cell followed as total minus the shown cell.
The check of what a reader can work out is done here independently of the module: an
integer program over both tables' margin equations (scipy's HiGHS), asking for each
hidden cell whether another value is consistent with everything shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from samverkan.privacy.disclosure import TOTAL_LABEL, DisclosurePolicy, ProtectedTable, protect
from samverkan.privacy.linked import ReportProtection

P3 = DisclosurePolicy(min_cell=3)
ORGS = ["Region Skåne", "Helsingborg", "Svedala"]
# page 3 of the term report: organisation x direction
DIRECTION = pd.DataFrame(
    {"Region till kommun": [3, 1, 1], "Kommun till region": [0, 11, 11]}, index=ORGS
)
# page 6: organisation x action; its row totals are the same counts (cases per organisation)
ACTION = pd.DataFrame(
    {"Med beskriven åtgärd": [0, 6, 5], "Utan beskriven åtgärd": [3, 6, 7]}, index=ORGS
)


def _derivable(tables: list[ProtectedTable]) -> list[tuple[int, object, object]]:
    """Hidden cells (table, row, col) whose value follows from all tables shown together.

    Unknowns: one per hidden count, shared by tables where the same organisation total
    (or grand total) appears. Bounds: ``<3`` in 1..2, ``x`` at least 1.
    """
    var: dict[tuple, int] = {}
    bounds: list[tuple[float, float]] = []
    truth: list[int] = []

    def key(t: int, r: object, c: object) -> tuple:
        shared = c == TOTAL_LABEL  # organisation totals and the grand total are shared
        return ("total", r) if shared else (t, r, c)

    shown = {
        key(t, r, c)
        for t, pt in enumerate(tables)
        for r in pt.values.index
        for c in pt.values.columns
        if not pt.suppressed.loc[r, c]
    }

    def hidden(t: int, r: object, c: object) -> bool:  # shown in any table: known
        return key(t, r, c) not in shown

    for t, pt in enumerate(tables):
        for r in pt.values.index:
            for c in pt.values.columns:
                k = key(t, r, c)
                if hidden(t, r, c) and k not in var:
                    var[k] = len(var)
                    small = bool(pt.marked_small.loc[r, c])
                    bounds.append((1, 2) if small else (1, 1000))
                    truth.append(int(pt.values.loc[r, c]))
    rows, rhs = [], []
    for t, pt in enumerate(tables):
        v = pt.values
        lines = [[(r, c) for c in v.columns] for r in v.index]
        lines += [[(r, c) for r in v.index] for c in v.columns]
        for line in lines:  # inner cells minus the total is zero
            coef = np.zeros(len(var))
            known = 0
            for n, (r, c) in enumerate(line):
                sign = -1 if n == len(line) - 1 else 1
                if hidden(t, r, c):
                    coef[var[key(t, r, c)]] += sign
                else:
                    known += sign * int(v.loc[r, c])
            rows.append(coef)
            rhs.append(-known)
    a = np.array(rows)
    found = []
    for k, i in var.items():
        other = False
        for lo, hi in ((bounds[i][0], truth[i] - 1), (truth[i] + 1, bounds[i][1])):
            if lo > hi:
                continue
            lower = np.array([b[0] for b in bounds], float)
            upper = np.array([b[1] for b in bounds], float)
            lower[i], upper[i] = lo, hi
            res = milp(
                np.zeros(len(var)),
                integrality=np.ones(len(var)),
                bounds=Bounds(lower, upper),
                constraints=LinearConstraint(a, rhs, rhs),
            )
            other = other or res.status == 0
        if not other:
            found.append(k)
    return found


def test_term_report_tables_alone_leak_the_small_count_14_minus_13() -> None:
    direction, action = protect(DIRECTION, P3), protect(ACTION, P3)
    # each table is safe alone ...
    assert _derivable([direction]) == [] and _derivable([action]) == []
    # ... the direction table hides the Region Skåne and Helsingborg totals, the action
    # table prints them, so Helsingborg's "<3" is 12 - 11 = 1
    assert direction.display().loc["Region Skåne", TOTAL_LABEL] == "x"
    assert direction.display().loc["Helsingborg", TOTAL_LABEL] == "x"
    assert direction.display().loc["Helsingborg", "Region till kommun"] == "<3"
    assert action.cell("Helsingborg", TOTAL_LABEL) == 12
    assert direction.cell("Helsingborg", "Kommun till region") == 11
    assert (0, "Helsingborg", "Region till kommun") in _derivable([direction, action])


def test_one_report_protection_closes_the_14_minus_13_leak() -> None:
    report = ReportProtection(P3)
    direction = report.protect(DIRECTION, rows="organisation", cols="riktning")
    action = report.protect(ACTION, rows="organisation", cols="åtgärd")
    assert _derivable([direction, action]) == []
    for org in [*ORGS, TOTAL_LABEL]:  # a shared count is hidden in both tables or neither
        assert direction.cell(org, TOTAL_LABEL) == action.cell(org, TOTAL_LABEL), org
    # the small counts stay protected
    assert direction.cell("Helsingborg", "Region till kommun") is None
    assert direction.cell("Svedala", "Region till kommun") is None


def test_text_numbers_follow_the_tables_status() -> None:
    report = ReportProtection(P3)
    direction = report.protect(DIRECTION, rows="organisation", cols="riktning")
    hidden = direction.cell("Helsingborg", TOTAL_LABEL) is None
    quoted = report.text(12, organisation="Helsingborg")
    assert (quoted == "ett antal") if hidden else (quoted == "12")
    assert report.text(2, organisation="Nyköping") == "färre än 3"


def test_tables_without_dimensions_are_not_linked() -> None:
    report = ReportProtection(P3)
    first = report.protect(DIRECTION)
    alone = protect(DIRECTION, P3)
    assert first.suppressed.equals(alone.suppressed)
    second = report.protect(ACTION)
    assert second.suppressed.equals(protect(ACTION, P3).suppressed)


def test_report_notebooks_protect_every_table_through_the_report() -> None:
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for name in ("03_term_report.ipynb", "04_annual_report.ipynb"):
        cells = json.loads((root / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "report = ReportProtection(policy)" in code, name
        bare = re.findall(r"(?<![\w.])protect(?:_series)?\(", code)
        assert bare == [], f"{name}: a table protected alone"
        assert code.count("report.protect") >= 5, name


VT = pd.DataFrame(
    {"Fall": [12, 1], "Andra typer": [4, 1], "Dubbletter": [4, 0]}, index=["x.csv", "y.csv"]
)
HT = pd.DataFrame(
    {"Fall": [0, 7], "Andra typer": [0, 4], "Dubbletter": [1, 12]}, index=["x.csv", "y.csv"]
)
YEAR = pd.concat([VT.rename(index="VT: {}".format), HT.rename(index="HT: {}".format)])


def test_annual_table_alone_prints_what_its_term_report_hides() -> None:
    term = protect(VT, P3)
    alone = protect(YEAR, P3)
    assert term.cell("x.csv", "Fall") is None and alone.cell("VT: x.csv", "Fall") == 12
    # the term report prints the column total 13, so its "<3" is 13 - 12 = 1
    assert term.cell(TOTAL_LABEL, "Fall") == 13


def test_annual_table_shows_and_hides_its_terms_counts_as_the_term_reports_do() -> None:
    report = ReportProtection(P3)
    year = report.protect_with_parts({"VT": VT, "HT": HT}, YEAR, rows="fil", cols="radtyp")
    for name, part in (("VT", VT), ("HT", HT)):
        term = protect(part, P3)  # as the term report publishes it (its first table)
        for f in part.index:
            for c in [*part.columns, TOTAL_LABEL]:
                assert year.cell(f"{name}: {f}", c) == term.cell(f, c), (name, f, c)
    assert _derivable([year]) == []


def test_a_count_quoted_in_text_first_is_shown_in_every_later_table() -> None:
    report = ReportProtection(P3)
    assert report.text(int(DIRECTION.to_numpy().sum())) == "27"
    direction = report.protect(DIRECTION, rows="organisation", cols="riktning")
    action = report.protect(ACTION, rows="organisation", cols="åtgärd")
    assert direction.cell(TOTAL_LABEL, TOTAL_LABEL) == action.cell(TOTAL_LABEL, TOTAL_LABEL) == 27
    assert _derivable([direction, action]) == []


def test_a_comparison_with_the_previous_term_hides_the_totals_the_term_tables_hide() -> None:
    # The 2025HT demo report (found rendering it): the organisation table hid Trelleborg's
    # total as x, the comparison chart printed it (20), and "Region till kommun <3"
    # followed as 20 - 19 = 1. The comparison's columns are populations (this term, the
    # term compared with): its "this term" cells are the organisation totals.
    now, then = "Hösten 2025", "Hösten 2024"
    direction = pd.DataFrame(
        {"Kommun till region": [0, 19, 5], "Region till kommun": [21, 1, 0]},
        index=["Region Skåne", "Trelleborg", "Helsingborg"],
    )
    compare = pd.DataFrame({then: [17, 18, 7], now: [21, 20, 5]}, index=direction.index)
    previous = pd.DataFrame(
        {"Kommun till region": [0, 18, 7], "Region till kommun": [17, 0, 0]},
        index=direction.index,
    )
    report = ReportProtection(P3)
    shown_alone = report.protect(direction, rows="organisation", cols="riktning")
    assert shown_alone.suppressed.loc["Trelleborg", TOTAL_LABEL]  # x, as in the report
    report.adopt_first_table(previous, rows="organisation", cols="riktning", scope="2024HT")
    compared = report.protect(
        compare, rows="organisation", cols="termin", col_scopes={now: "fall", then: "2024HT"}
    )
    assert compared.suppressed.loc["Trelleborg", now]
    # the comparison and the organisation table together give away nothing
    same = {("Trelleborg", now): ("Trelleborg", TOTAL_LABEL)}
    for (r, c), (r2, c2) in same.items():
        assert compared.suppressed.loc[r, c] == shown_alone.suppressed.loc[r2, c2]
    # declared as an ordinary dimension the columns link to nothing: the leak comes back
    alone = ReportProtection(P3)
    alone.protect(direction, rows="organisation", cols="riktning")
    leaky = alone.protect(compare, rows="organisation", cols="termin")
    assert not leaky.suppressed.loc["Trelleborg", now]
