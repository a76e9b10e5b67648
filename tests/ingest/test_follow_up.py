"""Outcome and feedback date from the exports' own follow-up fields (issue 12).

LifeCare and Ritz exports may carry what came of the action ("Uppföljning") and the day
the reporting party got feedback ("Återkopplingsdatum", "Återkoppling till anmälare");
Prorenata an "Uppföljning". The outcome is free text and goes through the same
normalise + redact path as the description; a feedback cell that is no date sends the row
to quarantine like any other date cell.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG
from ingest.exports import csv_bytes, export_header, xlsx_bytes

from samverkan.ingest.stage import DuplicateRule, ingest_term, make_case_id

TYPE = "Avvikelse extern aktör"
RITZ_TYPE = "Klagomål och externt inkomna avvikelser"
NAME = "Anna Andersson"
SHARED = (
    "SIP-mötet ställdes in utan att någon annan skickades och "
    "informationen om medicinering kom aldrig fram till hemtjänsten"
)


@pytest.fixture(autouse=True)
def stub_deid(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in for redact() that replaces the test's name (and records what it saw)."""
    seen: list[str] = []

    def redact(text: str) -> str:
        seen.append(text)
        return text.replace(NAME, "[NAMN]")

    module = types.ModuleType("samverkan.privacy.redaction")
    module.redact = redact  # type: ignore[attr-defined]
    module.redact_many = lambda texts: [redact(t) for t in texts]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "samverkan.privacy.redaction", module)
    return seen


def _lifecare(rows: list[list[str]]) -> bytes:
    header = [*export_header("lifecare"), "Uppföljning", "Återkopplingsdatum"]
    return csv_bytes([header, *rows])


def _row(case: str, received: str, outcome: str, feedback: str, text: str = "Text") -> list[str]:
    return [case, received, "", TYPE, "Hemtjänsten", "BUP", "Utgående", text, "Möte", "Ny",
            outcome, feedback]  # fmt: skip


def _ingest(tmp_path: Path) -> object:
    return ingest_term(
        "2025HT",
        tmp_path / "raw",
        tmp_path / "out",
        tmp_path / "quarantine",
        config_dir=CONFIG,
        duplicates=DuplicateRule(max_days_apart=3, min_text_similarity=0.6),
    )


def test_outcome_and_feedback_date_are_read_cleaned_and_redacted(
    tmp_path: Path, stub_deid: list[str]
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "svedala__lifecare.csv").write_bytes(
        _lifecare(
            [
                _row("L-1", "2025-09-01", f"Ny rutin, {NAME} fick hjälp", "2025-09-20"),
                _row("L-2", "2025-09-02", "okänt", ""),
                _row("L-3", "2025-09-03", "", "2025-30-09"),  # no such date: quarantine
            ]
        )
    )
    result = _ingest(tmp_path)
    cases = result.cases.set_index("case_id")
    one = cases.loc[make_case_id("2025HT", "svedala", "lifecare", "L-1")]
    assert one["outcome"] == "Ny rutin, [NAMN] fick hjälp" and bool(one["has_outcome"])
    assert one["feedback_date"] == pd.Timestamp("2025-09-20")
    assert any(NAME in t for t in stub_deid)  # the outcome went through redact()
    two = cases.loc[make_case_id("2025HT", "svedala", "lifecare", "L-2")]
    assert pd.isna(two["outcome"]) and not bool(two["has_outcome"])  # "okänt" is no outcome
    assert pd.isna(two["feedback_date"])
    assert result.quarantine["id"].tolist() == ["L-3"]
    assert "återkopplingsdatum" in result.quarantine["orsak"].iloc[0]
    on_disk = pd.read_parquet(tmp_path / "out" / "cases.parquet")
    assert not on_disk["outcome"].astype(str).str.contains(NAME).any()


def test_exports_without_follow_up_fields_give_no_outcome(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    plain = [export_header("lifecare"), _row("L-1", "2025-09-01", "", "")[:10]]
    (raw / "svedala__lifecare.csv").write_bytes(csv_bytes(plain))
    cases = _ingest(tmp_path).cases
    assert cases["outcome"].isna().all() and not cases["has_outcome"].any()
    assert cases["feedback_date"].isna().all()


def test_linked_report_fills_outcome_and_feedback_from_the_other_party(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "svedala__lifecare.csv").write_bytes(
        _lifecare([_row("L-1", "2025-09-01", "", "", text=SHARED)])
    )
    ritz = [
        [*export_header("ritz"), "Uppföljning", "Återkoppling till anmälare"],
        ["R-1", "2025-09-02", "2025-09-01", RITZ_TYPE, "Vuxenpsykiatrin", "Svedala kommun",
         SHARED, "Rutiner", "Genomgång", "Låg", "Rutinen följs nu", "2025-10-01"],
    ]  # fmt: skip
    (raw / "region-skane__ritz.xlsx").write_bytes(xlsx_bytes(ritz))
    cases = _ingest(tmp_path).cases
    assert len(cases) == 1 and bool(cases["reported_by_both"].iloc[0])
    assert cases["outcome"].iloc[0] == "Rutinen följs nu"
    assert cases["feedback_date"].iloc[0] == pd.Timestamp("2025-10-01")
