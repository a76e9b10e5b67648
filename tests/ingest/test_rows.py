"""One file's rows: collaboration types, term dates, quarantine reasons, keys, outputs."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from samverkan.ingest.linking import DuplicateRule
from samverkan.ingest.outputs import quarantine_table, reconciliation, settings_record
from samverkan.ingest.rows import (
    QUARANTINE_COLUMNS,
    FileResult,
    is_collaboration,
    keyed_rows,
    quarantine_reasons,
    term_dates,
)
from samverkan.project.terms import parse_term

TERM = parse_term("2025HT")


def _rows(received: list[str | None], event: list[str | None], desc: list[str | None]):
    def dates(texts: list[str | None]) -> pd.Series:
        return pd.to_datetime(pd.Series(texts, dtype="string"), errors="coerce", format="%Y-%m-%d")

    return pd.DataFrame(
        {
            "received_text": pd.array(received, dtype="string"),
            "event_text": pd.array(event, dtype="string"),
            "received": dates(received),
            "event_date": dates(event),
            "description": pd.array(desc, dtype="string"),
            "source_id": pd.array([None] * len(desc), dtype="string"),
        }
    )


def test_is_collaboration_ignores_case_spaces_and_connectives() -> None:
    types = pd.Series(["Avvikelse  extern AKTÖR", "Fall", None, "Kommunikation & samverkan"])
    allowed = ("avvikelse extern aktör", "kommunikation samverkan")
    assert is_collaboration(types, allowed).tolist() == [True, False, False, True]
    assert is_collaboration(types, None).all()


def test_term_date_falls_back_to_the_event_date() -> None:
    rows = _rows(["2025-09-01", "snart"], ["2025-08-30", "2025-11-20"], ["a", "b"])
    assert term_dates(rows).tolist() == [pd.Timestamp("2025-09-01"), pd.Timestamp("2025-11-20")]


def test_quarantine_reasons_each_and_joined() -> None:
    rows = _rows(
        [None, "31/02/2025", "2025-10-01", "2025-03-14", None, "2025-09-01", None],
        [None, None, None, None, "2026-01-02", None, None],
        ["t", "t", None, "t", "t", "t", None],
    )
    assert quarantine_reasons(rows, TERM, reassign=False).tolist() == [
        "datum saknas",
        "registreringsdatum finns inte i kalendern",
        "beskrivning saknas",
        "registreringsdatum utanför terminen 2025HT",
        "händelsedatum utanför terminen 2025HT",
        "",
        "datum saknas; beskrivning saknas",
    ]
    reassigned = quarantine_reasons(rows, TERM, reassign=True).tolist()
    assert reassigned[3] == reassigned[4] == ""


def test_rows_without_an_id_get_a_content_key() -> None:
    rows = _rows(["2025-09-01", "2025-09-02"], [None, None], ["Samma text", "Annan"])
    rows.loc[1, "source_id"] = "L-7"
    keyed = keyed_rows(rows)
    assert keyed.loc[0, "source_id"].startswith("utan-id:2025-09-01|")
    assert keyed.loc[1, "source_id"] == "L-7"
    assert keyed["received"].notna().all()


def _result(name: str, read: int, excluded: int, quarantined: int, duplicates: int) -> FileResult:
    return FileResult(name, read, excluded, quarantined, duplicates)


def test_reconciliation_counts_linked_rows_as_duplicates_of_their_file() -> None:
    recon = reconciliation(
        [_result("a__lifecare.csv", 10, 2, 1, 1), _result("b__ritz.csv", 4, 0, 0, 0)],
        Counter({"b__ritz.csv": 2}),
    )
    assert recon.values.tolist() == [
        ["a__lifecare.csv", 10, 6, 2, 1, 1],
        ["b__ritz.csv", 4, 2, 0, 2, 0],
        ["TOTALT", 14, 8, 2, 3, 1],
    ]


def test_empty_quarantine_has_the_swedish_headers() -> None:
    assert list(quarantine_table(pd.DataFrame())) == list(QUARANTINE_COLUMNS.values())
    empty = pd.DataFrame(columns=list(QUARANTINE_COLUMNS.values()))
    assert list(quarantine_table(empty)) == list(QUARANTINE_COLUMNS.values())


@pytest.mark.parametrize("reassign", [False, True])
def test_settings_record(reassign: bool) -> None:
    text = settings_record(DuplicateRule(3, 0.6), reassign)
    assert text.endswith("}\n") and text.startswith('{\n  "duplicates": {\n')
    assert json.loads(text) == {
        "duplicates": {"max_days_apart": 3, "min_text_similarity": 0.6},
        "reassign_out_of_term": reassign,
    }
