"""Generated Swedish report text: grammar from the data, and never a hidden number."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from report_data import INGEST_RECORD, make_coded_cases, make_reconciliation

from samverkan.privacy.disclosure import DisclosurePolicy, protect
from samverkan.project.errors import InputError
from samverkan.report import narrative, stats

POLICY = DisclosurePolicy(min_cell=3)


@pytest.fixture(scope="module")
def labels() -> stats.Labels:
    return stats.load_labels(ROOT)


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        (3, 12, "tre av tolv fall"),
        (5, 5, "alla fem fall"),
        (12, 40, "12 av 40 fall (30,0\u00a0%)"),
        (1, 40, "färre än 3 av 40 fall"),
        (39, 40, "alla utom färre än 3 av de 40 fallen"),
        (0, 40, "inget av de 40 fallen"),
        (2, 2, "färre än 3 fall"),
    ],
)
def test_share_phrase(k: int, n: int, expected: str) -> None:
    assert narrative.share_phrase(k, n, POLICY) == expected


def test_cases_text() -> None:
    assert narrative.cases_text(0, POLICY) == "inga fall"
    assert narrative.cases_text(1, POLICY) == "färre än 3 fall"
    assert narrative.cases_text(7, POLICY) == "7 fall"


def small_numbers(text: str) -> list[str]:
    """Stand-alone 1s and 2s in running text (not part of dates, years, decimals or ids)."""
    return re.findall(r"(?<![\d,.\-:\w])[12](?![\d,.\w%])(?! ?%)", text)


def test_term_summary_grammar_and_no_small_counts(labels: stats.Labels) -> None:
    cases = make_coded_cases("2025HT", 40, seed=2)
    previous = make_coded_cases("2024HT", 31, seed=3)
    recon = protect(stats.reconciliation_counts({"2025HT": make_reconciliation(40)}), POLICY)
    text = narrative.term_summary(
        "2025HT",
        cases,
        labels=labels,
        policy=POLICY,
        previous=previous,
        compare_term="2024HT",
        reconciliation=recon,
    )
    assert text.startswith("Under hösten 2025 kom 40 fall")
    assert "Det är 9 fler (29\u00a0%) än hösten 2024, då 31 fall kom in." in text
    # one quarantined row per file: 1 + 1 = 2 would give both away, so the text says neither
    assert "ett antal lades åt sidan" in text
    assert "Av dem var 40 fall i samverkan" in text
    assert not small_numbers(text), small_numbers(text)
    assert "#" not in text and "  " not in text


def test_term_summary_singular_and_one_organisation(labels: stats.Labels) -> None:
    cases = make_coded_cases("2025VT", 5, seed=4)
    cases["organisation"] = "svedala"
    text = narrative.term_summary("2025VT", cases, labels=labels, policy=POLICY)
    assert "från en organisation" in text
    assert "Under våren 2025 kom 5 fall" in text


def test_annual_summary_and_changes(labels: stats.Labels) -> None:
    cases = make_coded_cases("2025HT", 60, seed=5)
    previous = make_coded_cases("2024HT", 60, seed=6)
    text = narrative.annual_summary(
        "2025", cases, labels=labels, policy=POLICY, previous=previous, compare_year="2024"
    )
    assert "Under 2025 kom 60 fall" in text
    assert "lika många som år 2024" in text
    assert "Resursbrist bedömdes som den verkliga orsaken i" in text
    assert not small_numbers(text)


def test_cause_section_with_quotes_and_trend(labels: stats.Labels) -> None:
    cases = make_coded_cases("2025HT", 30, seed=8)
    text = narrative.cause_section(
        "sip",
        cases,
        labels=labels,
        policy=POLICY,
        trend={"2025VT": 2, "2025HT": 9},
        quotes=["Mötet ställdes in *igen* av [NAMN]."],
    )
    assert text.startswith("### SIP\n")
    assert "färre än 3 fall våren 2025" in text
    assert "9 fall hösten 2025" in text
    assert "> ”Mötet ställdes in \\*igen\\* av \\[NAMN\\].”" in text


def test_method_section_states_the_rules(labels: stats.Labels) -> None:
    cases = make_coded_cases("2025HT", 20, seed=9)
    agreement = {
        "n_cases": 20,
        "n_manual": 12,
        "n_auto_only": 8,
        "n_double_coded": 0,
        "auto_vs_manual": {"n": 12, "alpha": 0.71, "kappa": {}},
        "between_analysts": {"n": 0, "alpha": None, "kappa": {}},
    }
    text = narrative.method_section(
        cases,
        labels=labels,
        policy=POLICY,
        terms=["2025HT"],
        agreement=agreement,
        ingest_records={"2025HT": INGEST_RECORD},
    )
    assert "1 eller 2 fall" in text and "”<3”" in text
    plain = text.replace("\u00a0", " ")
    assert "händelsedatum ligger högst 3 dagar isär och minst 60 % av orden" in plain
    assert "Krippendorffs alfa 0,71" in text
    assert "Inga fall kodades av två analytiker" in text
    assert re.findall(r"(?m)^#+ ", text) == ["### "] * 3


def test_agreement_table(labels: stats.Labels) -> None:
    agreement = {
        "auto_vs_manual": {"n": 10, "alpha": 0.7, "kappa": {"sip": 0.8123, "rutiner": None}},
        "between_analysts": {"n": 0, "alpha": None, "kappa": {}},
    }
    table = narrative.agreement_table(agreement, labels)
    assert table.loc["SIP"].iloc[0] == "0,81"
    assert table.loc["Rutiner"].iloc[0] == "–"


def test_proposals_follow_the_most_frequent_causes(labels: stats.Labels) -> None:
    menu = narrative.load_proposals(ROOT / "config" / "proposals.yaml", labels.causes)
    selected = narrative.select_proposals(menu, ["sip", "kommunikation", "rutiner", "resurser"])
    assert 0 < len(selected) <= menu.max_proposals
    for _proposal, hits in selected:
        assert set(hits) <= {"sip", "kommunikation", "rutiner"}
    counts = stats.cause_counts(make_coded_cases("2025HT", 30, seed=1), labels)
    text = narrative.proposals_section(selected, labels=labels, counts=counts, policy=POLICY)
    assert text.count("\n- **") + text.startswith("- **") == len(selected)
    assert "Svarar mot:" in text


def test_bad_proposals_file(tmp_path: Path) -> None:
    path = tmp_path / "proposals.yaml"
    path.write_text("proposals:\n  - id: x\n    title: T\n    text: X\n    causes: [nope]\n")
    with pytest.raises(InputError, match="okända orsaker: nope"):
        narrative.load_proposals(path, ["sip", "rutiner"])


def test_follow_up_and_roster(tmp_path: Path) -> None:
    log_path = tmp_path / "uppfoljning.csv"
    log_path.write_text(
        "# kommentar\når,förslag_id,förslag,status,kommentar\n"
        "2024,a,Förslag A,genomfört,\n2025,b,Förslag B,pågår,x\n",
        encoding="utf-8",
    )
    log = narrative.load_follow_up(log_path)
    rows = narrative.follow_up_for(log, "2024")
    assert rows.to_dict("records") == [
        {"Förslag": "Förslag A", "Status": "genomfört", "Kommentar": ""}
    ]
    assert len(narrative.load_follow_up(tmp_path / "missing.csv")) == 0
    folder = tmp_path / "2025" / "roster"
    folder.mkdir(parents=True)
    (folder / "20_b.md").write_text("### B\n\nText B.\n", encoding="utf-8")
    (folder / "10_a.md").write_text("### A\n\nText A.\n", encoding="utf-8")
    sections = narrative.roster_sections(tmp_path, "2025")
    assert [name for name, _ in sections] == ["10_a.md", "20_b.md"]
    assert sections[0][1] == "### A\n\nText A."
    assert narrative.roster_sections(tmp_path, "2030") == []


def test_actions_section_with_follow_up(labels: stats.Labels) -> None:
    cases = make_coded_cases("2025HT", 40, seed=3)
    follow_up = pd.DataFrame(
        {"Förslag": ["A", "B"], "Status": ["genomfört", "pågår"], "Kommentar": ["", ""]}
    )
    text = narrative.actions_section(
        cases, labels=labels, policy=POLICY, follow_up=follow_up, follow_up_year="2024"
    )
    assert "Förslagen från 2024 har nu denna status: genomfört (ett) och pågår (ett)." in text


def test_paragraphs_stay_apart(labels: stats.Labels) -> None:
    cases = make_coded_cases("2025HT", 30, seed=2)
    cases.loc[:9, "involves_child"] = pd.NA
    recon = protect(stats.reconciliation_counts({"2025HT": make_reconciliation(30)}), POLICY)
    text = narrative.term_summary(
        "2025HT", cases, labels=labels, policy=POLICY, reconciliation=recon
    )
    assert "För 10 fall gick det inte att avgöra.\n\nUnderlaget bestod av" in text


def test_the_duplicate_rule_states_person_linking_when_ingest_used_it() -> None:
    record = {"duplicates": {"max_days_apart": 3, "min_text_similarity": 0.6}}
    assert "samma person" not in narrative.duplicate_rule(record)
    record["duplicates"]["link_by_person_id"] = True
    text = " ".join(narrative.duplicate_rule(record).replace("\u00a0", " ").split())
    assert "de gäller samma person" in text and "aldrig sparas" in text
    assert "minst 60 % av orden" in text  # the rule where exports carry no number


# --- follow-up: outcomes and feedback (issue 12) --------------------------------------------


def _with_follow_up(n: int, outcome: int, feedback_days: list[int]) -> pd.DataFrame:
    """``n`` cases received 1 Aug 2025: ``outcome`` with a known outcome, and feedback
    after the given days for the first ``len(feedback_days)``."""
    cases = make_coded_cases("2025HT", n, seed=5)
    cases["received"] = pd.Timestamp("2025-08-01")
    cases["has_outcome"] = [k < outcome for k in range(n)]
    days = [*feedback_days, *[None] * (n - len(feedback_days))]
    cases["feedback_date"] = pd.to_datetime(
        [pd.Timestamp("2025-08-01") + pd.Timedelta(days=d) if d is not None else None for d in days]
    )
    return cases


def test_follow_up_section_reads_well_and_lists_waiting_cases(labels: stats.Labels) -> None:
    cases = _with_follow_up(40, 24, [10, 20, 30, 40, 50, 70, 80, 90, 100, 110])
    text = narrative.follow_up_section(
        cases, labels=labels, policy=POLICY, feedback_days=60, as_of=pd.Timestamp("2025-12-31")
    )
    assert (
        "Utfallet, alltså vad åtgärden eller händelsen ledde till, är känt i 24 av 40 fall" in text
    )
    assert "fått återkoppling i tio av 40 fall" in text or "återkoppling i 10 av 40 fall" in text
    assert "hälften av dem fick den inom 60 dagar (median)" in text  # of 10 … 50, 70 … 110
    assert "kom den inom 60 dagar i fem av tio fall" in text
    assert "Vid terminens slut, 31 december 2025, hade dessa fall väntat mer än 60 dagar" in text
    waiting = re.findall(r"2025HT-[0-9a-f]{10}", text)
    assert waiting == sorted(cases["case_id"].iloc[10:]) and len(waiting) == 30
    assert "  " not in text and ".." not in text


def test_follow_up_section_never_shows_a_small_count(labels: stats.Labels) -> None:
    cases = _with_follow_up(40, 1, [5, 7])  # one known outcome, two with feedback
    text = narrative.follow_up_section(cases, labels=labels, policy=POLICY, feedback_days=60)
    assert "är känt i färre än 3 fall." in text
    # hidden as x in the table (a <3 there would give a value away): no count at all
    assert "fått återkoppling i en del av fallen." in text
    assert not re.search(r"\b[12]\b", text)
    assert "median" not in text  # a median of two cases would give them away
    assert "inom 60 dagar" not in text
    assert "Vid terminens slut" not in text  # the annual report lists no cases


def test_one_title_scheme() -> None:
    """Both reports are "Avvikelser i samverkan": the old title is nowhere in the package,
    its templates or the notebooks (the README names it only as the report's tradition)."""
    from samverkan.report import publish

    assert publish.REPORT_TITLE == "Avvikelser i samverkan"
    places = [*(ROOT / "samverkan").rglob("*.py"), *(ROOT / "samverkan").rglob("*.j2"),
              *(ROOT / "notebooks").glob("*.ipynb")]  # fmt: skip
    assert places
    for path in places:
        assert "brister i samverkan" not in path.read_text(encoding="utf-8").lower(), path
