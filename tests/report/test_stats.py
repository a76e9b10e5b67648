"""Aggregations for the reports, on tiny inline coded-case tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from report_data import VOCABULARY, make_coded_cases, make_reconciliation

from samverkan.privacy.disclosure import DisclosurePolicy, protect
from samverkan.project.errors import InputError
from samverkan.report import stats

POLICY = DisclosurePolicy(min_cell=3)


@pytest.fixture(scope="module")
def labels() -> stats.Labels:
    return stats.load_labels(ROOT)


def tiny(rows: list[dict]) -> pd.DataFrame:
    """A handful of coded cases: only the columns the function under test reads matter."""
    base = make_coded_cases("2025HT", len(rows), seed=7)
    for k, row in enumerate(rows):
        for col, value in row.items():
            base.loc[k, col] = value
    return base


def test_labels_from_config(labels: stats.Labels) -> None:
    assert labels.organisation("svedala") == "Svedala kommun"
    assert labels.party("bup") == "Barn- och ungdomspsykiatri"
    assert labels.cause("bemotande") == "Bemötande"
    assert labels.category("tekniska_hinder") == "Tekniska hinder"
    assert labels.direction("region_till_kommun") == "Region till kommun"
    assert "bup" in labels.child_parties
    assert labels.causes["sip"].definition


def test_labels_without_codebook(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    for name in ("organisations.yaml", "parties.yaml"):
        (tmp_path / "config" / name).write_text(
            (ROOT / "config" / name).read_text("utf-8"), "utf-8"
        )
    # the codebook is the one home of causes and categories: no built-in fallback list
    with pytest.raises(InputError, match=r"codebook\.yaml: filen finns inte"):
        stats.load_labels(tmp_path)


def test_by_organisation_direction(labels: stats.Labels) -> None:
    cases = tiny(
        [
            {"organisation": "svedala", "direction": "kommun_till_region"},
            {"organisation": "svedala", "direction": "kommun_till_region"},
            {"organisation": "region-skane", "direction": "region_till_kommun"},
        ]
    )
    expected = pd.DataFrame(
        {"Kommun till region": [2, 0], "Region till kommun": [0, 1], "Övrigt": [0, 0]},
        index=pd.Index(["Svedala kommun", "Region Skåne"], name="Organisation"),
    )
    pd.testing.assert_frame_equal(stats.by_organisation_direction(cases, labels), expected)


def test_cause_counts_share_and_order(labels: stats.Labels) -> None:
    flags = {f"cause_{c}": False for c in VOCABULARY.causes}
    cases = tiny(
        [
            {**flags, "cause_sip": True, "cause_kommunikation": True},
            {**flags, "cause_sip": True},
            {**flags},
            {**flags, "cause_resurser": True},
        ]
    )
    counts = stats.cause_counts(cases, labels)
    assert list(counts.index[:3]) == ["sip", "kommunikation", "resurser"]
    assert counts.loc["sip", "n"] == 2
    assert counts.loc["sip", "share"] == pytest.approx(0.5)
    assert counts.loc["bemotande", "n"] == 0
    series = stats.cause_series(cases, labels)
    assert series.iloc[0] == 2 and series.index[0] == "SIP"


def test_children_and_actions(labels: stats.Labels) -> None:
    cases = tiny(
        [
            {"involves_child": True, "has_action": True, "organisation": "svedala"},
            {"involves_child": False, "has_action": False, "organisation": "svedala"},
            {"involves_child": pd.NA, "has_action": True, "organisation": "vellinge"},
        ]
    )
    child = stats.children(cases)
    assert (child.n_cases, child.n_child, child.n_unknown) == (3, 1, 1)
    table = stats.actions_by_organisation(cases, labels)
    assert table.loc["Svedala kommun"].tolist() == [1, 1]
    assert table.loc["Vellinge kommun"].tolist() == [1, 0]
    assert stats.action_share(cases) == pytest.approx(2 / 3)


def test_action_shares_hide_what_protection_hides(labels: stats.Labels) -> None:
    table = pd.DataFrame(
        {"Med beskriven åtgärd": [10, 1, 6], "Utan beskriven åtgärd": [10, 8, 6]},
        index=["A", "B", "C"],
    )
    shares = stats.action_shares(protect(table, POLICY))
    assert pd.isna(shares["B"])
    assert shares.notna().sum() >= 1
    shown = shares.dropna()
    for org in shown.index:
        assert shown[org] == pytest.approx(table.loc[org].iloc[0] / table.loc[org].sum())


def test_party_matrix(labels: stats.Labels) -> None:
    cases = tiny(
        [
            {"reporter_party": "socialtjanst", "receiver_party": "bup"},
            {"reporter_party": "socialtjanst", "receiver_party": "bup"},
            {"reporter_party": "bup", "receiver_party": "socialtjanst"},
        ]
    )
    matrix = stats.party_matrix(cases, labels)
    assert matrix.loc["Socialtjänst (inkl. LSS)", "Barn- och ungdomspsykiatri"] == 2
    assert matrix.loc["Barn- och ungdomspsykiatri", "Socialtjänst (inkl. LSS)"] == 1
    assert matrix.to_numpy().sum() == 3


def test_group_sparse_merges_parties_with_few_cases_and_a_small_count() -> None:
    table = pd.DataFrame(
        [[40, 10, 1, 0], [12, 30, 0, 2], [1, 0, 2, 0], [0, 2, 0, 1]],
        index=["A", "B", "C", "D"],
        columns=["a", "b", "c", "d"],
    )
    table.index.name, table.columns.name = "Rapporterande part", "Mottagande part"
    grouped = stats.group_sparse(table, below=10)
    # C and D (3 and 3 cases, small counts) as reporters, c and d as receivers
    assert list(grouped.index) == ["A", "B", stats.OTHER_PARTIES]
    assert list(grouped.columns) == ["a", "b", stats.OTHER_PARTIES]
    assert grouped.loc[stats.OTHER_PARTIES, stats.OTHER_PARTIES] == 3
    assert grouped.loc["A", stats.OTHER_PARTIES] == 1
    assert grouped.to_numpy().sum() == table.to_numpy().sum()
    assert grouped.index.name == "Rapporterande part"
    # 0 leaves the table alone; a single sparse party is not grouped (only renamed)
    assert stats.group_sparse(table, below=0).equals(table)
    one = table.loc[["A", "B", "C"], ["a", "b", "c"]]
    assert list(stats.group_sparse(one, below=4).index) == ["A", "B", stats.OTHER_PARTIES]


def test_grouping_shows_more_cases_of_a_sparse_matrix() -> None:
    table = pd.DataFrame(
        [[40, 10, 1, 0, 5], [12, 30, 0, 2, 6], [1, 0, 2, 0, 0], [0, 2, 0, 1, 0]],
        index=["A", "B", "C", "D"],
        columns=["a", "b", "c", "d", "e"],
    )

    def visible(t: pd.DataFrame) -> int:
        pt = protect(t, POLICY)
        return int(t.to_numpy()[~pt.suppressed.to_numpy()[:-1, :-1]].sum())

    assert visible(table) == 70
    assert visible(stats.group_sparse(table, below=10)) == 81


def test_trend_and_cooccurrence(labels: stats.Labels) -> None:
    a = make_coded_cases("2025VT", 20, seed=1)
    b = make_coded_cases("2025HT", 25, seed=2)
    trend = stats.cause_trend({"2025VT": a, "2025HT": b}, labels)
    assert list(trend.index) == ["2025VT", "2025HT"]
    assert trend.loc["2025HT", "SIP"] == int(b["cause_sip"].sum())
    co = stats.cause_cooccurrence(b, labels)
    assert co.loc["SIP", "SIP"] == int(b["cause_sip"].sum())
    assert co.loc["SIP", "Rutiner"] == int((b["cause_sip"] & b["cause_rutiner"]).sum())
    pd.testing.assert_frame_equal(co, co.T, check_names=False)


def test_comparisons(labels: stats.Labels) -> None:
    now = make_coded_cases("2025HT", 12, seed=3)
    then = make_coded_cases("2024HT", 9, seed=4)
    cmp = stats.compare_totals(now, then)
    assert (cmp.current, cmp.previous, cmp.change) == (12, 9, 3)
    assert cmp.relative == pytest.approx(1 / 3)
    assert stats.compare_totals(now, None).change is None
    table = stats.compare_by(now, then, "organisation", "Nu", "Då", rename=labels.organisations)
    assert list(table.columns) == ["Då", "Nu"]
    assert table["Nu"].sum() == 12 and table["Då"].sum() == 9


def test_coding_counts_and_quality() -> None:
    cases = make_coded_cases("2025HT", 10, seed=5)
    counts = stats.coding_counts(cases)
    assert counts.n_manual == int((cases["coding"] == "manuell").sum())
    assert counts.n_manual + counts.n_auto_only == 10
    recon = make_reconciliation(10)
    quality = stats.data_quality(recon)
    assert quality["read"] == quality[["kept", "excluded", "duplicates", "quarantined"]].sum()
    table = stats.reconciliation_counts({"2025VT": recon, "2025HT": recon})
    assert len(table) == 4 and table.index[0].startswith("2025VT: ")
    assert protect(table, POLICY).values.loc["Totalt", "Totalt"] == 2 * quality["read"]


def test_quotes_only_approved() -> None:
    cases = make_coded_cases("2025HT", 30, seed=6)
    cases.loc[0, ["cause_sip", "quote_approved", "quote"]] = [True, True, "Ett godkänt citat."]
    cases.loc[1, ["cause_sip", "quote_approved", "quote"]] = [True, False, pd.NA]
    quotes = stats.quotes(cases, "sip", limit=5)
    assert "Ett godkänt citat." in quotes
    assert len(quotes) == len(set(quotes))


def test_loaders(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        stats.load_coded_cases(tmp_path / "missing.parquet", VOCABULARY)
    assert stats.load_agreement(tmp_path / "agreement.json") is None
    (tmp_path / "agreement.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError):
        stats.load_agreement(tmp_path / "agreement.json")
    path = tmp_path / "coded.parquet"
    make_coded_cases("2025HT", 5).to_parquet(path)
    loaded = stats.load_coded_terms(
        {"2025HT": path, "2025VT": tmp_path / "none.parquet"}, VOCABULARY
    )
    assert list(loaded) == ["2025HT"] and len(loaded["2025HT"]) == 5
    assert stats.terms_of_year("2025") == ["2025VT", "2025HT"]


def test_a_total_row_written_by_ingest_is_not_counted_twice() -> None:
    recon = make_reconciliation(10)
    with_total = pd.concat(
        [recon, pd.DataFrame([{"file": "TOTALT", **recon.drop(columns="file").sum().to_dict()}])],
        ignore_index=True,
    )
    pd.testing.assert_series_equal(stats.data_quality(with_total), stats.data_quality(recon))
    assert "TOTALT" not in stats.reconciliation_counts({"2025HT": with_total}).index


def test_quotes_exclude_and_prefer_short() -> None:
    cases = make_coded_cases("2025HT", 6, seed=6, quotes=False)
    cases["cause_sip"] = True
    cases["quote_approved"] = True
    cases["quote"] = ["En lång text " * 5, "Kort.", "Mellanlång text här.", pd.NA, "Kort.", "X y."]
    cases["quote"] = cases["quote"].astype("string")
    assert stats.quotes(cases, "sip") == ["X y.", "Kort."]
    assert stats.quotes(cases, "sip", limit=1, exclude=["X y.", "Kort."]) == [
        "Mellanlång text här."
    ]


def test_quotes_when_none_are_approved() -> None:
    cases = make_coded_cases("2025HT", 5, seed=6, quotes=False)
    assert stats.quotes(cases, "sip") == []
