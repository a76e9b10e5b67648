"""The coding sheet through LibreOffice Calc itself (headless), twice in a row, as analysts
work: the program writes, an analyst edits and saves in LibreOffice, the program runs again.

LibreOffice rewrites the whole file on save: it drops the frozen header, writes the styled
empty rows an analyst formatted, and cuts the validated ranges. Each program run must put
new cases right after the last case, restore the freeze and the drop-down lists (same
ranges, not growing), and read every edit. Skips only when LibreOffice is not installed.
"""

from __future__ import annotations

import re

from coding_helpers import BOOK, libreoffice_save, make_cases, needs_soffice
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from samverkan.coding.sheet import SHEET, read_sheet, update_sheet

TEXTS = {
    "00000000c1": "Psykiatrin uteblev från SIP-mötet och skickade ingen ersättare.",
    "00000000c2": "Vi har sökt handläggaren i tre veckor utan återkoppling.",
    "00000000c3": "Patienten fick ett bra bemötande.",
}
# per cycle: the analyst's edits (row, header) -> value, and the case that arrives next
EDITS = [
    {(2, "A1: SIP [sip]"): "x", (3, "A1: kategori"): "Rutiner",
     (4, "Korrigerad text"): "Rättad text.", (4, "A1: inga orsaker"): "x"},
    {(5, "A1: Kommunikation [kommunikation]"): "x", (5, "A1: kategori"): "Övrigt",
     (2, "A1: kategori"): "Rutiner"},
]  # fmt: skip
MESSAGES = {
    "Skriv x eller lämna tomt.",
    "Välj en kategori ur listan.",
    "Skriv datumet då återkoppling lämnades, t.ex. 2026-03-14, eller lämna tomt.",
}


def _cols(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def _case_rows(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}


def _analyst_session(path, edits, work) -> None:
    """Edit cells and mark a long stretch of a column (LibreOffice then writes styled empty
    rows far below the data), then save in LibreOffice."""
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols = _cols(ws)
    for (row, header), value in edits.items():
        ws.cell(row, cols[header]).value = value
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in range(2, 1200):
        ws.cell(r, cols["A1: kommentar"]).fill = fill
    wb.save(path)
    libreoffice_save(path, work)


def _validations(ws) -> dict[str, set[str]]:
    """Error message -> the validated ranges, as written in the file."""
    out: dict[str, set[str]] = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.showErrorMessage and dv.errorStyle in (None, "stop"), dv
        out.setdefault(dv.error, set()).update(str(dv.sqref).split())
    return out


def _columns_and_last_row(ranges: set[str]) -> tuple[set[str], set[int]]:
    cols, rows = set(), set()
    for rng in ranges:
        for letters, number in re.findall(r"([A-Z]+)(\d+)", rng):
            cols.add(letters)
            rows.add(int(number))
    return cols, rows


@needs_soffice
def test_sheet_survives_libreoffice_twice(tmp_path):
    path = tmp_path / "kodning" / "kodning.xlsx"
    cases = dict(TEXTS)
    update_sheet(make_cases(cases), path, BOOK)
    first = _validations(load_workbook(path)[SHEET])
    panes = len(load_workbook(path)[SHEET].sheet_view.selection)
    assert set(first) == MESSAGES
    validated, _ = _columns_and_last_row(set().union(*first.values()))
    for cycle, edits in enumerate(EDITS):
        _analyst_session(path, edits, tmp_path / f"lo{cycle}")
        lo = load_workbook(path)[SHEET]
        assert lo.max_row > 1000  # LibreOffice wrote styled empty rows far below the data
        assert set(_validations(lo)) == MESSAGES  # LibreOffice kept the Swedish messages
        read_sheet(path, BOOK)  # the next run reads LibreOffice's file
        cases[f"00000000e{cycle}"] = "Inget svar från BUP trots påminnelser."
        update_sheet(make_cases(cases), path, BOOK)
        ws = load_workbook(path)[SHEET]
        rows = _case_rows(ws)
        assert rows[f"2025VT-00000000e{cycle}"] == len(cases) + 1  # right after the last case
        assert ws.freeze_panes == "B2" and ws.sheet_view.pane.state == "frozen"
        assert len(ws.sheet_view.selection) == panes  # one per pane, never piling up
        now = _validations(ws)
        cols, last = _columns_and_last_row(set().union(*now.values()))
        assert set(now) == MESSAGES and cols == validated
        assert max(last) == len(cases) + 1 + 2000  # rebuilt, not grown
    sheet = read_sheet(path, BOOK).set_index("case_id")
    assert sheet.loc["2025VT-00000000c1", "a1_sip"]
    assert sheet.loc["2025VT-00000000c1", "a1_category"] == "rutiner"
    assert sheet.loc["2025VT-00000000c2", "a1_category"] == "rutiner"
    assert sheet.loc["2025VT-00000000c3", "corrected"] == "Rättad text."
    assert sheet.loc["2025VT-00000000c3", "a1_none"]
    assert sheet.loc["2025VT-00000000e0", "a1_kommunikation"]
    assert sheet.loc["2025VT-00000000e0", "a1_category"] == "ovrigt"
    assert len(sheet) == len(cases)


@needs_soffice
def test_category_list_from_the_codebook_sheet_survives_libreoffice(tmp_path):
    """A category label with a comma cannot stand in an inline list; the list then comes
    from the Kodbok sheet, and LibreOffice keeps it so, pointing at the same labels; a
    label chosen there is read back whole."""
    import yaml

    from samverkan.coding.codebook import codebook_from_dict
    from samverkan.project.paths import config_dir

    data = yaml.safe_load((config_dir() / "codebook.yaml").read_text(encoding="utf-8"))
    data["categories"][0]["label"] = "Rutiner, SIP och övergångar"
    book = codebook_from_dict(data, "kodbok.yaml")
    path = tmp_path / "kodning.xlsx"
    update_sheet(make_cases(TEXTS), path, book)
    wb = load_workbook(path)
    cols = {c.value: c.column for c in wb[SHEET][1] if c.value}
    wb[SHEET].cell(2, cols["A1: kategori"]).value = "Rutiner, SIP och övergångar"
    wb.save(path)
    libreoffice_save(path, tmp_path / "lo")
    wb = load_workbook(path)
    (dv,) = [dv for dv in wb[SHEET].data_validations.dataValidation if dv.error.startswith("Välj")]
    sheet, cells = dv.formula1.split("!")
    assert sheet.strip("'") == "Kodbok"
    listed = [c.value for row in wb["Kodbok"][cells.replace("$", "")] for c in row]
    assert listed == [c.label for c in book.categories]
    coded = read_sheet(path, book).set_index("case_id")
    chosen = coded["a1_category"]
    assert chosen.iloc[0] == "rutiner" and chosen.iloc[1:].isna().all()
