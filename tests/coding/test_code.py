from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from coding_helpers import BOOK, VOCAB, make_cases
from conftest import CONFIG
from openpyxl import load_workbook

from samverkan.coding.code import (
    _category,
    _causes,
    _coder,
    _quote,
    code_term,
    run_code_stage,
    run_sheet_stage,
)
from samverkan.coding.sheet import SHEET, read_sheet
from samverkan.project.errors import InputError
from samverkan.project.schema import coded_cases_schema

CAUSES = BOOK.cause_ids

TEXTS = {
    "00000000b1": "Psykiatrin uteblev från SIP-mötet.",
    "00000000b2": "Vi har sökt handläggaren i tre veckor utan återkoppling.",
    "00000000b3": "Personalbrist gjorde att hemtjänsten inte kom.",
    "00000000b4": "Inloggningen till NPÖ fungerade inte.",
}


@pytest.fixture(scope="module")
def book():
    return BOOK


def _sheet(book, **rows: dict) -> pd.DataFrame:
    """A read_sheet-shaped table: rows = {case suffix: {column: value}}."""
    records = []
    for key, values in rows.items():
        rec = {"case_id": f"2025VT-{key}", "removed": False, "a1_comment": None,
               "quote_approved": False, "quote": None}  # fmt: skip
        for a in ("a1", "a2"):
            rec |= {f"{a}_{c}": False for c in book.cause_ids}
            rec |= {f"{a}_none": False, f"{a}_category": None}
        rec |= values
        for a in ("a1", "a2"):
            rec[f"{a}_coded"] = rec[f"{a}_none"] or any(rec[f"{a}_{c}"] for c in book.cause_ids)
        records.append(rec)
    return pd.DataFrame(records)


def test_manual_codes_win_and_category_precedence(book):
    cases = make_cases(TEXTS, category={"00000000b2": "rutiner", "00000000b3": "rutiner"})
    sheet = _sheet(
        book,
        **{
            "00000000b1": {"a1_rutiner": True, "a1_category": "kommunikation_samverkan",
                           "quote_approved": True, "quote": "uteblev från SIP-mötet"},
            "00000000b2": {"a2_kommunikation": True, "a2_bemotande": True},
            "00000000b3": {"a1_none": True, "a2_resurser": True},
        },
    )  # fmt: skip
    coded = code_term(cases, sheet, book, VOCAB).set_index("case_id")
    coded_cases_schema(VOCAB).validate(coded.reset_index())
    b1, b2, b3, b4 = (coded.loc[f"2025VT-{k}"] for k in TEXTS)
    # analyst 1 wins over the suggestion
    assert b1["coding"] == "manuell" and b1["manual_causes"] == "rutiner"
    assert b1["auto_causes"] == "sip" and b1["cause_rutiner"] and not b1["cause_sip"]
    assert (b1["category"], b1["category_source"]) == ("kommunikation_samverkan", "manuell")
    assert b1["quote_approved"] and "SIP-mötet" in b1["quote"]
    # analyst 2 when analyst 1 is empty
    assert b2["manual_causes"] == "kommunikation;bemotande" and b2["cause_bemotande"]
    assert (b2["category"], b2["category_source"]) == ("rutiner", "källa")
    assert pd.isna(b2["quote"]) and not b2["quote_approved"]
    # explicit "inga orsaker" is a manual coding with no causes, even if analyst 2 ticked one
    assert b3["coding"] == "manuell" and b3["manual_causes"] == ""
    assert not any(b3[f"cause_{c}"] for c in CAUSES)
    # not in the sheet: automatic, suggested category
    assert b4["coding"] == "automatisk" and pd.isna(b4["manual_causes"])
    assert b4["cause_tekniska_hinder"]
    assert (b4["category"], b4["category_source"]) == ("tekniska_hinder", "automatisk")


def test_without_sheet_everything_is_automatic(book):
    coded = code_term(make_cases(TEXTS), None, book, VOCAB)
    assert (coded["coding"] == "automatisk").all()
    assert coded["manual_causes"].isna().all()
    assert coded["cause_sip"].tolist() == [True, False, False, False]


def test_stages_and_demo_analysts(tmp_path):
    from samverkan_dev.demo.sheet_filler import simulate_analysts

    processed, coding = tmp_path / "processed", tmp_path / "coding"
    processed.mkdir()
    cases = make_cases(TEXTS)
    cases.to_parquet(processed / "cases.parquet", index=False)

    first = run_code_stage("2025VT", processed, coding, config_dir=CONFIG, min_cases=2)
    assert not first.sheet_found and not (coding / "kodning.xlsx").exists()
    summary = json.loads((processed / "agreement.json").read_text(encoding="utf-8"))
    assert summary["n_manual"] == 0 and summary["n_auto_only"] == 4

    update = run_sheet_stage("2025VT", processed, coding, config_dir=CONFIG)
    assert update.created and update.n_rows == 4
    facit = pd.DataFrame(
        {
            "case_id": [f"2025VT-{k}" for k in TEXTS],
            "causes": ["sip", "kommunikation", "resurser", "tekniska_hinder"],
            "category": ["rutiner", "kommunikation_samverkan", "ovrigt", "tekniska_hinder"],
            "quote_ok": [True, True, False, False],
        }
    )
    # an analyst has already coded b4: the demo must leave that row alone
    wb = load_workbook(coding / "kodning.xlsx")
    ws = wb[SHEET]
    cols = {c.value: c.column for c in ws[1]}
    row_b4 = next(r for r in range(2, 6) if ws.cell(r, 1).value.endswith("b4"))
    ws.cell(row_b4, cols["A1: kommentar"], value="min egen")
    wb.save(coding / "kodning.xlsx")
    filled = simulate_analysts(coding / "kodning.xlsx", facit, causes=CAUSES, seed=1,
                               share_first=1.0, share_second=1.0)  # fmt: skip
    assert filled == 3
    sheet = read_sheet(coding / "kodning.xlsx", BOOK).set_index("case_id")
    assert sheet.loc["2025VT-00000000b4", "a1_comment"] == "min egen"
    assert not sheet.loc["2025VT-00000000b4", "a1_coded"]
    assert sheet["a1_coded"].sum() == 3 and sheet["a2_coded"].sum() == 3

    result = run_code_stage("2025VT", processed, coding, config_dir=CONFIG, min_cases=2)
    assert result.sheet_found and (result.n_manual, result.n_auto_only) == (3, 1)
    coded = pd.read_parquet(processed / "coded_cases.parquet")
    coded_cases_schema(VOCAB).validate(coded)
    summary = json.loads((processed / "agreement.json").read_text(encoding="utf-8"))
    assert summary["n_double_coded"] == 3 and summary["between_analysts"]["n"] == 3
    assert set(summary["auto_vs_manual"]["kappa"]) == set(CAUSES)
    assert list(summary) == sorted(summary)


def _processed_with_approved_quote(tmp_path: Path) -> tuple[Path, Path]:
    """A term folder whose sheet approves a pasted quote of case b1 (with a phone number)."""
    processed, coding = tmp_path / "processed", tmp_path / "coding"
    processed.mkdir()
    make_cases(TEXTS).to_parquet(processed / "cases.parquet", index=False)
    run_sheet_stage("2025VT", processed, coding, config_dir=CONFIG)
    wb = load_workbook(coding / "kodning.xlsx")
    ws = wb[SHEET]
    cols = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, 6) if ws.cell(r, 1).value.endswith("b1"))
    ws.cell(row, cols["A1: SIP [sip]"], value="x")
    ws.cell(row, cols["A1: citat godkänt"], value="x")
    ws.cell(row, cols["A1: citat (tomt = hela beskrivningen)"], value="Ring 070-123 45 67 nu.")
    wb.save(coding / "kodning.xlsx")
    return processed, coding


def test_quotes_are_re_redacted(tmp_path):
    processed, coding = _processed_with_approved_quote(tmp_path)
    run_code_stage("2025VT", processed, coding, config_dir=CONFIG, min_cases=2)
    coded = pd.read_parquet(processed / "coded_cases.parquet").set_index("case_id")
    assert coded.loc["2025VT-00000000b1", "quote"] == "Ring [TELEFON] nu."
    assert coded["quote"].notna().sum() == 1


def test_without_the_redactor_the_stage_stops_and_writes_nothing(tmp_path, monkeypatch):
    processed, coding = _processed_with_approved_quote(tmp_path)
    monkeypatch.setitem(sys.modules, "samverkan.privacy", None)  # the import fails
    with pytest.raises(InputError) as exc:
        run_code_stage("2025VT", processed, coding, config_dir=CONFIG, min_cases=2)
    msg = str(exc.value)
    assert "avidentifieringen kan inte köras" in msg and "inga citat publiceras" in msg
    assert "make setup" in msg and "\n" not in msg
    assert sorted(p.name for p in processed.iterdir()) == ["cases.parquet"]


def test_missing_cases_are_named_in_swedish(tmp_path):
    with pytest.raises(InputError, match="fallen för terminen saknas") as exc:
        run_code_stage("2025VT", tmp_path, tmp_path, config_dir=CONFIG, min_cases=2)
    assert str(exc.value).startswith(str(tmp_path / "cases.parquet"))


def test_coder_prefers_analyst_one():
    assert _coder(None) is None
    assert _coder(pd.Series({"a1_coded": True, "a2_coded": True})) == "a1"
    assert _coder(pd.Series({"a1_coded": False, "a2_coded": True})) == "a2"
    assert _coder(pd.Series({"a1_coded": False, "a2_coded": False})) is None


def test_causes_manual_or_automatic():
    ids = ["x", "y", "z"]
    assert _causes(None, {"y"}, ids)[1:] == (pd.NA, "automatisk")
    m = pd.Series({"a1_coded": True, "a1_z": True, "a1_x": True, "a1_y": False})
    assert _causes(m, {"y"}, ids) == ({"x", "z"}, "x;z", "manuell")


def test_category_precedence():
    row = pd.Series({"category": "rutiner"})
    no_source = pd.Series({"category": pd.NA})
    m = pd.Series({"a1_category": None, "a2_category": "ovrigt"})
    assert _category(m, row, "sip") == ("ovrigt", "manuell")
    assert _category(None, row, "sip") == ("rutiner", "källa")
    assert _category(None, no_source, "sip") == ("sip", "automatisk")


def test_quote_pasted_or_whole_description():
    row = pd.Series({"description": "hela texten"})
    upper = str.upper
    assert _quote(None, row, upper) == (False, pd.NA)
    assert _quote(pd.Series({"quote_approved": False, "quote": "del"}), row, upper) == (
        False,
        pd.NA,
    )
    assert _quote(pd.Series({"quote_approved": True, "quote": "del"}), row, upper) == (True, "DEL")
    whole = pd.Series({"quote_approved": True, "quote": None})
    assert _quote(whole, row, upper) == (True, "HELA TEXTEN")


# --- follow-up: the analysts' outcome and feedback date (issue 12) -----------------------


def test_analysts_follow_up_wins_is_redacted_and_scanned(tmp_path):
    """The analysts' outcome (normalised + redacted like a quote) and feedback date win
    over the export's; "okänt" is no known outcome; the leak scanner reads the result."""
    from samverkan.privacy.leaks import KnownIdentifiers, scan_paths

    cases = make_cases(TEXTS)
    cases["outcome"] = pd.array(["Möte hölls", "Rutin ändrad", None, None], dtype="string")
    cases["has_outcome"] = [True, True, False, False]
    cases["feedback_date"] = pd.to_datetime(["2025-02-20", None, None, None])
    sheet = _sheet(book=BOOK, **{k: {} for k in TEXTS})
    sheet["outcome"] = pd.array(
        ["Ring 070\u2011123 45 67 om ny tid", "okänt", None, None], dtype="string"
    )
    sheet["feedback_date"] = pd.to_datetime([None, "2025-03-01", None, None])
    no_values = frozenset({"okänt"})
    coded = code_term(cases, sheet, BOOK, VOCAB, no_values=no_values).set_index("case_id")
    assert coded.loc["2025VT-00000000b1", "outcome"] == "Ring [TELEFON] om ny tid"
    assert coded.loc["2025VT-00000000b1", "feedback_date"] == pd.Timestamp("2025-02-20")
    assert pd.isna(coded.loc["2025VT-00000000b2", "outcome"])
    assert coded["has_outcome"].tolist() == [True, False, False, False]
    assert coded.loc["2025VT-00000000b2", "feedback_date"] == pd.Timestamp("2025-03-01")
    # the leak scanner reads the outcome column like every other column
    leaky = coded.reset_index()
    leaky.loc[2, "outcome"] = "Ring 070-123 45 67"
    path = tmp_path / "coded_cases.parquet"
    leaky.to_parquet(path)
    findings = scan_paths([path], KnownIdentifiers())
    assert any(f.kind == "telefon" and "outcome" in f.location for f in findings)


def test_feedback_before_the_case_came_in_stops_the_stage(book):
    cases = make_cases(TEXTS)
    sheet = _sheet(book, **{k: {} for k in TEXTS})
    sheet["outcome"] = pd.array([None] * 4, dtype="string")
    sheet["feedback_date"] = pd.to_datetime(["2024-12-24", None, None, None])
    with pytest.raises(InputError) as exc:
        code_term(cases, sheet, book, VOCAB)
    assert "2025VT-00000000b1" in str(exc.value) and "Återkoppling lämnad" in str(exc.value)
