from __future__ import annotations

import copy
from datetime import datetime

import pandas as pd
import pytest
import yaml
from coding_helpers import BOOK, make_cases
from conftest import CONFIG
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from samverkan.coding.codebook import codebook_from_dict
from samverkan.coding.sheet import (
    REMOVED,
    SHEET,
    header_key,
    read_sheet,
    update_sheet,
    wanted_columns,
)
from samverkan.project.atomic import workbook_bytes
from samverkan.project.errors import InputError

CODEBOOK = CONFIG / "codebook.yaml"

TEXTS = {
    "00000000a1": "Psykiatrin uteblev från SIP-mötet och skickade ingen ersättare.",
    "00000000a2": "Vi har sökt handläggaren i tre veckor utan återkoppling.",
    "00000000a3": "Patienten fick ett bra bemötande.",
}


@pytest.fixture(scope="module")
def book():
    return BOOK


def _cols(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def _rows(ws) -> dict[str, int]:
    return {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}


def test_create_has_rows_suggestions_validation_and_codebook(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    result = update_sheet(make_cases(TEXTS), path, book)
    assert result.created and result.added == 3 and result.n_rows == 3
    wb = load_workbook(path)
    assert wb.sheetnames == [SHEET, "Kodbok", "_samverkan_ids"]
    assert wb["_samverkan_ids"].sheet_state == "veryHidden"
    ws = wb[SHEET]
    cols, rows = _cols(ws), _rows(ws)
    assert ws.freeze_panes == "B2"
    assert list(rows) == [f"2025VT-{k}" for k in TEXTS]
    assert ws.cell(rows["2025VT-00000000a1"], cols["Förslag: SIP [sip]"]).value == "x"
    assert ws.cell(rows["2025VT-00000000a3"], cols["Förslag: Bemötande [bemotande]"]).value is None
    for header in ("A1: SIP [sip]", "A1: kategori", "A1: citat godkänt", "A2: SIP [sip]"):
        assert header in cols
    validated = " ".join(str(dv.sqref) for dv in ws.data_validations.dataValidation)
    letter = ws.cell(1, cols["A1: SIP [sip]"]).column_letter
    assert f"{letter}2:" in validated
    kodbok = [r[1] for r in wb["Kodbok"].iter_rows(min_row=4, values_only=True)]
    assert "tekniska_hinder" in kodbok


def test_round_trip_never_loses_an_edit(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)

    # the analysts edit the sheet in "Excel"
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols, rows = _cols(ws), _rows(ws)
    r1, r2, r3 = rows["2025VT-00000000a1"], rows["2025VT-00000000a2"], rows["2025VT-00000000a3"]
    edits = {
        (r1, "A1: SIP [sip]"): "x",
        (r1, "A1: Kommunikation [kommunikation]"): "X",
        (r1, "A1: kommentar"): "Tydligt SIP-fall",
        (r1, "A1: citat godkänt"): "ja",
        (r1, "A1: citat (tomt = hela beskrivningen)"): "uteblev från SIP-mötet",
        (r1, "A2: SIP [sip]"): 1,
        (r2, "A1: inga orsaker"): "x",
        (r2, "A1: kategori"): "Kommunikation och samverkan",
        (r3, "A1: Bemötande [bemotande]"): "x",
        (r1, "Förslag: Rutiner [rutiner]"): "x",  # a program column: may be refreshed
    }
    for (r, header), value in edits.items():
        ws.cell(r, cols[header], value=value)
    own = ws.max_column + 1
    ws.cell(1, own, value="Min anteckning")
    ws.cell(r2, own, value="ring tillbaka")
    wb.save(path)

    # re-run: case a3 left the data, a4 is new, and the codebook gained a cause
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["causes"].append({"id": "samordning", "label": "Samordning", "category": "rutiner",
                           "definition": "Ny kod för test."})  # fmt: skip
    bigger = codebook_from_dict(data, "kodbok.yaml")
    texts = {k: v for k, v in TEXTS.items() if k != "00000000a3"}
    texts["00000000a4"] = "Inloggningen till NPÖ fungerade inte."
    result = update_sheet(make_cases(texts), path, bigger)
    assert not result.created
    assert (result.added, result.flagged_removed) == (1, 1)
    assert "A1: Samordning [samordning]" in result.new_columns

    wb = load_workbook(path)
    ws = wb[SHEET]
    new_cols, new_rows = _cols(ws), _rows(ws)
    for (r, header), value in edits.items():
        if header.startswith("A"):
            assert ws.cell(r, new_cols[header]).value == value, header
    assert new_rows["2025VT-00000000a1"] == r1 and new_rows["2025VT-00000000a3"] == r3
    assert ws.cell(r2, new_cols["Min anteckning"]).value == "ring tillbaka"
    assert new_cols["Min anteckning"] == own
    # old columns kept their place; new ones appended at the right
    assert all(new_cols[h] == c for h, c in cols.items())
    assert new_cols["A1: Samordning [samordning]"] > own
    # removed case flagged, not deleted; new case appended last
    assert ws.cell(r3, new_cols["Status i underlaget"]).value == REMOVED
    assert new_rows["2025VT-00000000a4"] == ws.max_row
    assert ws.cell(ws.max_row, new_cols["A1: SIP [sip]"]).value is None
    # suggestions refreshed
    assert ws.cell(r1, new_cols["Förslag: Rutiner [rutiner]"]).value is None
    assert (path.parent / "kodning.bak.xlsx").exists()

    sheet = read_sheet(path, bigger).set_index("case_id")
    a1 = sheet.loc["2025VT-00000000a1"]
    assert a1["a1_sip"] and a1["a1_kommunikation"] and not a1["a1_rutiner"]
    assert a1["a2_sip"] and a1["a1_coded"] and a1["a2_coded"]
    assert a1["quote_approved"] and a1["quote"] == "uteblev från SIP-mötet"
    assert a1["a1_comment"] == "Tydligt SIP-fall"
    a2 = sheet.loc["2025VT-00000000a2"]
    assert a2["a1_none"] and a2["a1_coded"] and a2["a1_category"] == "kommunikation_samverkan"
    assert sheet.loc["2025VT-00000000a3", "removed"]
    assert not sheet.loc["2025VT-00000000a4", "a1_coded"]
    assert "a1_samordning" in sheet.columns

    # a third run changes nothing an analyst wrote and adds nothing
    again = update_sheet(make_cases(texts), path, bigger)
    assert (again.added, again.flagged_removed, again.new_columns) == (0, 0, [])
    pd.testing.assert_frame_equal(read_sheet(path, bigger).set_index("case_id"), sheet)


def test_bad_value_names_sheet_row_and_column_not_the_value(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols = _cols(ws)
    ws.cell(3, cols["A1: SIP [sip]"], value="kanske hemligt")
    wb.save(path)
    with pytest.raises(InputError) as exc:
        read_sheet(path, book)
    msg = str(exc.value)
    assert "rad 3" in msg and "kolumn " in msg and "A1: SIP [sip]" in msg and SHEET in msg
    assert "inte är en bock" in msg
    assert "hemligt" not in msg


def test_bad_category_and_duplicate_rows(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    ws.cell(2, _cols(ws)["A2: kategori"], value="Annat")
    wb.save(path)
    with pytest.raises(InputError, match="ingen kategori i kodboken"):
        read_sheet(path, book)
    ws.cell(2, _cols(ws)["A2: kategori"], value="rutiner")
    ws.cell(4, 1, value=ws.cell(2, 1).value)
    wb.save(path)
    with pytest.raises(InputError, match="raderna 2 och 4 har samma ärende-id"):
        update_sheet(make_cases(TEXTS), path, book)


def test_open_in_excel_is_refused(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    (tmp_path / "~$kodning.xlsx").write_text("lock")
    with pytest.raises(InputError, match="öppet i Excel"):
        update_sheet(make_cases(TEXTS), path, book)
    assert not path.exists()


@pytest.mark.slow
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2),  # row (case) index
            st.sampled_from(
                [
                    "A1: SIP [sip]",
                    "A1: kommentar",
                    "A1: citat godkänt",
                    "A2: Resurser [resurser]",
                    "A1: kategori",
                    "A1: inga orsaker",
                ]
            ),
            st.sampled_from(["x", "X", "ja", 1, "Rutiner", "en kommentar"]),
        ),
        min_size=1,
        max_size=6,
    ),
    keep=st.lists(st.booleans(), min_size=3, max_size=3),
    extra=st.integers(min_value=0, max_value=2),
)
def test_any_edit_survives_any_rerun(tmp_path_factory, book, edits, keep, extra):
    path = tmp_path_factory.mktemp("ark") / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols, rows = _cols(ws), _rows(ws)
    ids = list(rows)
    wanted = {}
    for r, header, value in edits:
        ws.cell(rows[ids[r]], cols[header], value=value)
        wanted[(ids[r], header)] = value
    wb.save(path)
    texts = {k: v for k, v, kept in zip(TEXTS, TEXTS.values(), keep, strict=True) if kept}
    texts |= {f"00000000e{i}": "Inget svar från BUP." for i in range(extra)}
    update_sheet(make_cases(texts), path, book)
    ws = load_workbook(path)[SHEET]
    new_cols, new_rows = _cols(ws), _rows(ws)
    for (case_id, header), value in wanted.items():
        assert ws.cell(new_rows[case_id], new_cols[header]).value == value
    assert len(new_rows) == 3 + extra


def test_same_cases_give_the_same_bytes(tmp_path, book):
    # DVC compares outputs by hash: a sheet re-saved with nothing new must not look changed.
    first, second = tmp_path / "a" / "kodning.xlsx", tmp_path / "b" / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), first, book)
    update_sheet(make_cases(TEXTS), second, book)
    assert first.read_bytes() == second.read_bytes()
    # re-runs over the existing sheet: openpyxl normalises a few attributes when it reads
    # a sheet back, so the first re-run may differ from the fresh file, later ones not
    update_sheet(make_cases(TEXTS), first, book)
    before = first.read_bytes()
    update_sheet(make_cases(TEXTS), first, book)
    assert first.read_bytes() == before
    # the times an analyst's Excel wrote are kept
    excel_save = datetime(2025, 9, 1, 8, 30)
    first.write_bytes(workbook_bytes(load_workbook(first), modified=excel_save))
    update_sheet(make_cases(TEXTS), first, book)
    assert load_workbook(first).properties.modified == excel_save


def test_damaged_file_and_renamed_sheet(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    path.write_bytes(b"inte en arbetsbok")
    for run in (
        lambda: update_sheet(make_cases(TEXTS), path, book),
        lambda: read_sheet(path, book),
    ):
        with pytest.raises(InputError, match="kan inte läsas som en Excel-arbetsbok"):
            run()
    path.unlink()
    with pytest.raises(InputError, match="kodningsarket finns inte"):
        read_sheet(path, book)
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    wb[SHEET].title = "Blad1"
    wb.save(path)
    for run in (
        lambda: update_sheet(make_cases(TEXTS), path, book),
        lambda: read_sheet(path, book),
    ):
        with pytest.raises(InputError, match=f"saknar bladet {SHEET}"):
            run()


def test_header_problems(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    extra = ws.max_column + 1
    ws.cell(1, extra, value="A1: kommentar")  # a repeated header
    wb.save(path)
    with pytest.raises(InputError, match="har samma rubrik som kolumn"):
        update_sheet(make_cases(TEXTS), path, book)
    ws.cell(1, extra).value = None
    ws.cell(1, 1, value="Id")
    wb.save(path)
    with pytest.raises(InputError, match="saknar kolumnen 'Ärende-id'"):
        read_sheet(path, book)
    with pytest.raises(InputError, match="saknar kolumnen 'Ärende-id'"):
        update_sheet(make_cases(TEXTS), path, book)


def test_duplicate_case_ids_when_read(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    ws.cell(4, 1, value=ws.cell(2, 1).value)
    wb.save(path)
    with pytest.raises(InputError, match="rad 4 förekommer två gånger"):
        read_sheet(path, book)


def test_header_keys_and_wanted_columns(book):
    assert header_key(" Ärende-id ") == "case_id"
    assert header_key("Förslag: vad som helst [sip]") == "sug:sip"
    assert header_key("a2: Inga orsaker") == "a2:none"
    assert header_key("Min anteckning") is None and header_key(3) is None
    wanted = dict(wanted_columns(book))
    assert wanted["a1:quote_ok"] == "A1: citat godkänt"
    assert "a2:comment" not in wanted and "a2:category" in wanted
    assert all(header_key(h) == k for k, h in wanted.items())


def test_read_sheet_types_and_empty_rows(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    ws.cell(ws.max_row + 2, 2, value="en rad utan ärende-id")
    wb.save(path)
    sheet = read_sheet(path, book)
    assert len(sheet) == 3
    assert sheet["case_id"].dtype == "string" and sheet["a1_sip"].dtype == bool
    assert not sheet["a1_coded"].any() and sheet["quote"].isna().all()


def test_labels_status_rule_and_validation_the_analysts_see(tmp_path, book):
    cases = make_cases(TEXTS, category={"00000000a2": "kommunikation_samverkan"})
    cases["status"] = pd.array(["Avslutad", None, "Pågår"], dtype="string")
    path = tmp_path / "kodning.xlsx"
    update_sheet(cases, path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols, rows = _cols(ws), _rows(ws)
    category = ws.cell(rows["2025VT-00000000a2"], cols["Kategori i källan"]).value
    assert (
        category == book.category_labels()["kommunikation_samverkan"] != "kommunikation_samverkan"
    )
    status = [ws.cell(rows[f"2025VT-{k}"], cols["Status i underlaget"]).value for k in TEXTS]
    assert status == ["Avslutad", None, "Pågår"]
    assert "Korrigerad text" in cols and cols["Korrigerad text"] == cols["Åtgärd"] - 1
    instructions = " ".join(
        str(v) for r in wb["Kodbok"].iter_rows(values_only=True) for v in r if v
    )
    assert "A1 räknas när A1 har kryssat" in instructions and "annars räknas A2" in instructions
    dvs = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(dvs) == 2  # the date column's own validation: see the follow-up tests
    assert all(dv.showErrorMessage and dv.errorStyle == "stop" for dv in dvs)
    assert {dv.error for dv in dvs} == {"Skriv x eller lämna tomt.", "Välj en kategori ur listan."}
    # a removed case shows the flag, and its own status again when it comes back
    update_sheet(cases.iloc[1:], path, book)
    ws = load_workbook(path)[SHEET]
    assert ws.cell(rows["2025VT-00000000a1"], cols["Status i underlaget"]).value == REMOVED
    result = update_sheet(cases, path, book)
    ws = load_workbook(path)[SHEET]
    assert result.restored == 1
    assert ws.cell(rows["2025VT-00000000a1"], cols["Status i underlaget"]).value == "Avslutad"


# --- the group's follow-up columns (issue 12) ------------------------------------------

OUTCOME = "Utfall (vad det ledde till)"
FEEDBACK = "Återkoppling lämnad (datum)"


def test_follow_up_columns_are_created_validated_and_read_back(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols, rows = _cols(ws), _rows(ws)
    assert OUTCOME in cols and FEEDBACK in cols
    letter = ws.cell(1, cols[FEEDBACK]).column_letter
    dates = [dv for dv in ws.data_validations.dataValidation if dv.type == "date"]
    assert len(dates) == 1 and f"{letter}2:" in str(dates[0].sqref)
    assert dates[0].errorStyle == "stop" and "datum" in dates[0].error
    r1, r2, r3 = rows["2025VT-00000000a1"], rows["2025VT-00000000a2"], rows["2025VT-00000000a3"]
    ws.cell(r1, cols[OUTCOME]).value = "  Ny rutin för kallelser  "
    ws.cell(r1, cols[FEEDBACK]).value = datetime(2025, 3, 20, 14, 5)
    ws.cell(r2, cols[FEEDBACK]).value = "2025-04-02"
    ws.cell(r3, cols[FEEDBACK]).value = 45749  # an Excel day number: 2025-04-02
    wb.save(path)
    sheet = read_sheet(path, book).set_index("case_id")
    assert sheet.loc["2025VT-00000000a1", "outcome"] == "Ny rutin för kallelser"
    assert pd.isna(sheet.loc["2025VT-00000000a2", "outcome"])
    assert sheet["feedback_date"].tolist() == [
        pd.Timestamp("2025-03-20"),
        *[pd.Timestamp("2025-04-02")] * 2,
    ]
    # an update keeps them (the program never writes these columns)
    update_sheet(make_cases(TEXTS), path, book)
    again = read_sheet(path, book).set_index("case_id")
    assert again["outcome"].equals(sheet["outcome"])
    assert again["feedback_date"].equals(sheet["feedback_date"])


def test_follow_up_date_that_is_no_date_names_the_cell(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols = _cols(ws)
    ws.cell(3, cols[FEEDBACK]).value = "i förra veckan"
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_sheet(path, book)
    assert "rad 3" in str(err.value) and FEEDBACK in str(err.value)
    assert "förra veckan" not in str(err.value)


def test_a_sheet_from_before_gets_the_follow_up_columns_at_the_right(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    for header in (OUTCOME, FEEDBACK):  # an old sheet: delete the two columns
        ws.delete_cols(_cols(ws)[header])
    ws.cell(2, _cols(ws)["A1: kommentar"]).value = "läst"
    wb.save(path)
    assert read_sheet(path, book)["feedback_date"].isna().all()
    result = update_sheet(make_cases(TEXTS), path, book)
    assert result.new_columns == [OUTCOME, FEEDBACK]
    cols = _cols(load_workbook(path)[SHEET])
    assert cols[OUTCOME] > cols["A1: kommentar"] and cols[FEEDBACK] == cols[OUTCOME] + 1


@pytest.mark.parametrize(
    "labels",
    [
        ["Rutiner, SIP och övergångar"],  # a comma would split an inline list in two
        ["Kategori med ett mycket långt namn " * 4, "Ännu en lång kategori " * 6],  # > 255
    ],
)
def test_category_list_comes_from_the_codebook_sheet_when_inline_cannot_hold_it(tmp_path, labels):
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    for category, label in zip(data["categories"], labels, strict=False):
        category["label"] = label.strip()
    book = codebook_from_dict(data, "kodbok.yaml")
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    (dv,) = [dv for dv in wb[SHEET].data_validations.dataValidation if dv.error.startswith("Välj")]
    sheet, cells = dv.formula1.split("!")
    assert sheet == "'Kodbok'"
    listed = [c.value for row in wb["Kodbok"][cells.replace("$", "")] for c in row]
    assert listed == [c.label for c in book.categories]


def test_category_list_is_inline_when_it_fits(tmp_path, book):
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    (dv,) = [
        dv
        for dv in load_workbook(path)[SHEET].data_validations.dataValidation
        if dv.error.startswith("Välj")
    ]
    assert dv.formula1 == '"' + ",".join(c.label for c in book.categories) + '"'
