from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from coding_helpers import make_cases
from openpyxl import load_workbook
from samverkan_dev.demo.sheet_filler import simulate_analysts

from samverkan.coding.code import code_term, run_code_stage, run_sheet_stage
from samverkan.coding.codebook import load_codebook
from samverkan.coding.sheet import SHEET, read_sheet
from samverkan.project.schema import CAUSES, CodedCasesSchema

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "config" / "codebook.yaml"

TEXTS = {
    "00000000b1": "Psykiatrin uteblev från SIP-mötet.",
    "00000000b2": "Vi har sökt handläggaren i tre veckor utan återkoppling.",
    "00000000b3": "Personalbrist gjorde att hemtjänsten inte kom.",
    "00000000b4": "Inloggningen till NPÖ fungerade inte.",
}


@pytest.fixture(scope="module")
def book():
    return load_codebook(CODEBOOK)


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
    coded = code_term(cases, sheet, book).set_index("case_id")
    CodedCasesSchema.validate(coded.reset_index())
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
    coded = code_term(make_cases(TEXTS), None, book)
    assert (coded["coding"] == "automatisk").all()
    assert coded["manual_causes"].isna().all()
    assert coded["cause_sip"].tolist() == [True, False, False, False]


def test_stages_and_demo_analysts(tmp_path):
    processed, coding = tmp_path / "processed", tmp_path / "coding"
    processed.mkdir()
    cases = make_cases(TEXTS)
    cases.to_parquet(processed / "cases.parquet", index=False)

    first = run_code_stage("2025VT", processed, coding, CODEBOOK, min_cases=2)
    assert not first.sheet_found and not (coding / "kodning.xlsx").exists()
    summary = json.loads((processed / "agreement.json").read_text(encoding="utf-8"))
    assert summary["n_manual"] == 0 and summary["n_auto_only"] == 4

    update = run_sheet_stage("2025VT", processed, coding, CODEBOOK)
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
    filled = simulate_analysts(coding / "kodning.xlsx", facit, seed=1, share_first=1.0,
                               share_second=1.0)  # fmt: skip
    assert filled == 3
    sheet = read_sheet(coding / "kodning.xlsx", load_codebook(CODEBOOK)).set_index("case_id")
    assert sheet.loc["2025VT-00000000b4", "a1_comment"] == "min egen"
    assert not sheet.loc["2025VT-00000000b4", "a1_coded"]
    assert sheet["a1_coded"].sum() == 3 and sheet["a2_coded"].sum() == 3

    result = run_code_stage("2025VT", processed, coding, CODEBOOK, min_cases=2)
    assert result.sheet_found and (result.n_manual, result.n_auto_only) == (3, 1)
    coded = pd.read_parquet(processed / "coded_cases.parquet")
    CodedCasesSchema.validate(coded)
    summary = json.loads((processed / "agreement.json").read_text(encoding="utf-8"))
    assert summary["n_double_coded"] == 3 and summary["between_analysts"]["n"] == 3
    assert set(summary["auto_vs_manual"]["kappa"]) == set(CAUSES)
    assert list(summary) == sorted(summary)
