"""Swedish formatting of numbers, shares, dates, terms and lists."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from samverkan.report import fmt

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (7, "7"), (1234, f"1{NB}234"), (1234567, f"1{NB}234{NB}567")],
)
def test_number(value: int, expected: str) -> None:
    assert fmt.number(value) == expected


def test_number_with_decimals_and_missing() -> None:
    assert fmt.number(0.75, 2) == "0,75"
    assert fmt.number(float("nan")) == "–"


@pytest.mark.parametrize(
    ("share", "digits", "expected"),
    [(0.125, 1, f"12,5{NB}%"), (1.0, 0, f"100{NB}%"), (0.3333, 1, f"33,3{NB}%")],
)
def test_percent(share: float, digits: int, expected: str) -> None:
    assert fmt.percent(share, digits) == expected


def test_percent_missing() -> None:
    assert fmt.percent(float("nan")) == "–"


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2025, 3, 14),
        dt.datetime(2025, 3, 14, 10, 5),
        pd.Timestamp("2025-03-14"),
        "2025-03-14",
    ],
)
def test_date(value: object) -> None:
    assert fmt.date(value) == "14 mars 2025"


def test_count_cases() -> None:
    assert fmt.count_cases(1) == "1 fall"
    assert fmt.count_cases(2) == "2 fall"
    assert fmt.count_cases(1500) == f"1{NB}500 fall"


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        (1, 5, "ett av fem fall"),
        (3, 12, "tre av tolv fall"),
        (12, 40, "12 av 40 fall"),
        (0, 4, "noll av fyra fall"),
    ],
)
def test_share_text(k: int, n: int, expected: str) -> None:
    assert fmt.share_text(k, n) == expected


def test_term_label() -> None:
    assert fmt.term_label("2025HT") == "hösten 2025"
    assert fmt.term_label("2024VT") == "våren 2024"
    assert fmt.term_label("2025HT", short=True) == "HT 2025"
    with pytest.raises(ValueError):
        fmt.term_label("2025H")


def test_join_list() -> None:
    assert fmt.join_list([]) == ""
    assert fmt.join_list(["a"]) == "a"
    assert fmt.join_list(["a", "b"]) == "a och b"
    assert fmt.join_list(["a", "b", "c"]) == "a, b och c"
    assert fmt.join_list(["a", "b"], "eller") == "a eller b"


def test_labels_in_sentences() -> None:
    assert fmt.lower_label("Kommunikation") == "kommunikation"
    assert fmt.lower_label("SIP") == "SIP"
    assert fmt.capitalize("tre fall") == "Tre fall"


def test_negative_numbers_get_a_minus_sign_not_a_hyphen() -> None:
    assert fmt.number(-0.05, 2) == "\u22120,05"
    assert fmt.number(-1234) == "\u22121\u00a0234"
    assert fmt.number(0.05, 2) == "0,05"
