"""The xlsx reader: calamine reads what openpyxl read, cell for cell, and a workbook
calamine cannot read still gets openpyxl's answer (a clear Swedish line, or its cells)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from samverkan.ingest.sources import grids
from samverkan.project.errors import InputError


def _workbook(chart: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Ärenden"
    ws.append(["Export 2025", None, None])
    ws.append(["Ärendenummer", "Händelsedatum", "Beskrivning", "Antal", "Klar", "Tid"])
    ws.append([1001, dt.datetime(2025, 3, 4), "  Text med mellanslag  ", 2.5, True, None])
    ws.append(["R-7", dt.datetime(2025, 3, 5, 14, 30), "", 3, False, dt.time(8, 15)])
    ws.append([None, None, None, None, None, None])
    ws.append(["R-8", "2025-03-06", "=inte en formel", 19800228.0, None, "x"])
    hidden = wb.create_sheet("Dolt")
    hidden.sheet_state = "hidden"
    hidden.append(["a", 1])
    if chart:
        wb.create_chartsheet("Diagram")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_calamine_gives_the_grids_openpyxl_gave() -> None:
    data = _workbook()
    fast = grids._calamine_sheets(data, "fil.xlsx")
    slow = grids._openpyxl_sheets(data, "fil.xlsx")
    assert [s.name for s in fast] == [s.name for s in slow] == ["Ärenden", "Dolt"]
    for a, b in zip(fast, slow, strict=True):
        # openpyxl writes a date-only cell as midnight; both parse to the same day
        norm = [[c.removesuffix(" 00:00:00") if c else c for c in row] for row in b.rows]
        assert a.rows == norm
    assert fast[0].rows[2][:5] == ["1001", "2025-03-04", "Text med mellanslag", "2.5", "ja"]
    assert fast[0].rows[3][5] is None  # a time of day is no date


def test_a_chart_sheet_is_passed_over() -> None:
    """(openpyxl's read-only mode could not open such a workbook at all)"""
    sheets = grids.read_xlsx_sheets(_workbook(chart=True), "fil.xlsx")
    assert [s.name for s in sheets] == ["Ärenden", "Dolt"]


def test_a_workbook_calamine_cannot_read_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(data: bytes, path: object) -> list[grids.Sheet]:
        raise grids._CalamineFailed

    monkeypatch.setattr(grids, "_calamine_sheets", fails)
    sheets = grids.read_xlsx_sheets(_workbook(), "fil.xlsx")
    assert sheets[0].rows[1][0] == "Ärendenummer"


def test_a_broken_workbook_is_one_swedish_line() -> None:
    data = _workbook()
    broken = data[: len(data) // 2]  # a zip cut in half: neither reader can open it
    with pytest.raises(InputError) as err:
        grids.read_xlsx_sheets(broken, "fil.xlsx")
    assert "Excel-filen kan inte öppnas" in str(err.value)
