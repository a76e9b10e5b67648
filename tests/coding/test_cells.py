from __future__ import annotations

import io
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from samverkan.coding.cells import (
    append_row,
    check_not_open,
    clean_text,
    looks_like_formula,
    private_dir,
    set_value,
)
from samverkan.project.errors import InputError


def test_clean_text_keeps_text_and_removes_what_a_workbook_cannot_hold():
    assert (
        clean_text("Rad 1\r\nRad 2\rRad 3\x0bRad 4\x0cRad 5") == "Rad 1\nRad 2\nRad 3\nRad 4\nRad 5"
    )
    assert clean_text("a\x00b\x08c\x1fd\x7fe\x9ff\ud800g\ufffeh") == "abcdefgh"
    assert clean_text("tab\tkvar, åäö, – och ✓") == "tab\tkvar, åäö, – och ✓"


@pytest.mark.parametrize("text", ["=1", "+1", "-1", "@A1", "\t=1", "\r=1", "\n=1"])
def test_formula_starts(text):
    assert looks_like_formula(text)


def test_set_value_makes_formulas_inert_and_leaves_others_alone():
    ws = Workbook().active
    assert set_value(ws, 1, 1, "=A2*2").data_type == "s"
    assert ws["A1"].quotePrefix and ws["A1"].value == "=A2*2"
    plain = set_value(ws, 1, 2, "Vanlig text")
    assert plain.data_type == "s" and not plain.quotePrefix
    assert set_value(ws, 1, 3, 3).data_type == "n"
    append_row(ws, ["=HYPERLINK(1)", "ok\x00"])
    assert ws["A2"].data_type == "s" and ws["B2"].value == "ok"


def test_private_dir_creates_and_tightens(tmp_path):
    folder = private_dir(tmp_path / "coding" / "2025VT")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    folder.chmod(0o755)
    private_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("lock", "program"), [("~$kodning.xlsx", "Excel"), (".~lock.kodning.xlsx#", "LibreOffice")]
)
def test_lock_files_of_both_programs(tmp_path, lock, program):
    sheet = tmp_path / "kodning.xlsx"
    check_not_open(sheet)  # no lock: nothing happens
    (tmp_path / lock).write_text("")
    with pytest.raises(InputError, match=f"öppet i {program}"):
        check_not_open(sheet)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_text_can_be_saved_and_reads_back_inert(text):
    from openpyxl import load_workbook

    wb = Workbook()
    ws = wb.active
    set_value(ws, 1, 1, text)
    buf = io.BytesIO()
    wb.save(buf)  # never IllegalCharacterError or an encoding error
    cell = load_workbook(io.BytesIO(buf.getvalue())).active["A1"]
    assert cell.data_type != "f"
    cleaned = clean_text(text)
    # an empty text (all removed) reads back as None
    assert (cell.value or "") == cleaned
