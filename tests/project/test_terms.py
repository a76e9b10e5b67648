"""Term codes: parsing, date ranges, neighbours."""

from __future__ import annotations

import datetime as dt

import pytest

from samverkan.project.terms import Term, parse_term, term_of, terms_of_year


def test_parse_term_vt_and_ht() -> None:
    vt = parse_term("2025VT")
    ht = parse_term(" 2025ht ")
    assert (vt.year, vt.half, vt.code) == (2025, "VT", "2025VT")
    assert ht.code == "2025HT"
    assert (vt.start, vt.end) == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert (ht.start, ht.end) == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize("bad", ["2025", "2025XT", "25HT", "HT2025", "", "2025 H T", "20255VT"])
def test_parse_term_rejects_bad_text(bad: str) -> None:
    with pytest.raises(ValueError, match="är ingen termin"):
        parse_term(bad)


def test_contains_edges() -> None:
    ht = parse_term("2025HT")
    assert ht.contains(dt.date(2025, 7, 1))
    assert ht.contains(dt.datetime(2025, 12, 31, 23, 59))
    assert not ht.contains(dt.date(2025, 6, 30))
    assert not ht.contains(dt.date(2026, 1, 1))


def test_neighbours() -> None:
    assert parse_term("2025HT").previous() == Term(2025, "VT")
    assert parse_term("2025VT").previous() == Term(2024, "HT")
    assert parse_term("2025VT").same_term_last_year().code == "2024VT"
    assert parse_term("2025HT").next().code == "2026VT"


def test_term_is_frozen() -> None:
    with pytest.raises(AttributeError):
        parse_term("2025HT").year = 2024  # type: ignore[misc]


def test_term_of_and_terms_of_year() -> None:
    assert term_of(dt.date(2025, 6, 30)) == "2025VT"
    assert term_of(dt.date(2025, 7, 1)) == "2025HT"
    assert terms_of_year("2025") == ["2025VT", "2025HT"]
    assert terms_of_year(2024) == ["2024VT", "2024HT"]
    with pytest.raises(ValueError, match="är inget år"):
        terms_of_year("tjugo")


def test_terms_are_ordered_in_time_spring_before_autumn() -> None:
    from samverkan.project.terms import parse_term, report_term, report_year

    assert parse_term("2025VT") < parse_term("2025HT") < parse_term("2026VT")
    assert max(["2025HT", "2026VT", "2025VT"], key=parse_term) == "2026VT"
    params = {
        "terms": {"2025VT": {"compare": "2025VT"}, "2025HT": {"compare": "2024HT"}},
        "years": {"2024": {"compare": "2024"}, "2025": {"compare": "2024"}},
    }
    assert report_term(params, None, None) == ("2025HT", "2024HT")
    assert report_term(params, "2025VT", None) == ("2025VT", "")  # compares with itself: none
    assert report_term(params, "2025HT", "") == ("2025HT", "")  # given: used as given
    assert report_year(params, None, None) == ("2025", "2024")
