"""params.yaml is checked before DVC reads it: one Swedish line per problem, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from samverkan.workspace.params_check import check_params, fill_empty_sections


def _with_raw(project: Path, *terms: str) -> Path:
    for term in terms:
        (project / "data" / "raw" / term).mkdir(parents=True, exist_ok=True)
    return project


def _set(project: Path, old: str, new: str) -> None:
    path = project / "params.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_demo_params_with_their_raw_folders_are_valid(tiny_project: Path) -> None:
    _with_raw(tiny_project, "2024VT", "2024HT", "2025VT", "2025HT")
    assert check_params(tiny_project) == []


def test_a_missing_raw_folder_names_the_term_and_the_fix(tiny_project: Path) -> None:
    _with_raw(tiny_project, "2024VT", "2024HT", "2025VT")
    problems = check_params(tiny_project)
    assert len(problems) == 1
    assert problems[0].startswith("terms.2025HT: mappen data/raw/2025HT saknas")
    assert "samverkan new-term 2025HT" in problems[0]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  2025HT: {compare: 2024HT}", "  2025-HT: {compare: 2024HT}", "terms.2025-HT: ingen termin"),  # noqa: E501
        ("  2025HT: {compare: 2024HT}", "  2025HT: {compare: 2023HT}", "terms.2025HT.compare: 2023HT"),  # noqa: E501
        ("  2025HT: {compare: 2024HT}", "  2025HT: {}", "terms.2025HT: compare saknas"),
        ('  "2025": {compare: "2024"}', '  "25": {compare: "2024"}', "years.25: inget år"),
        ('  "2025": {compare: "2024"}', '  "2026": {compare: "2025"}', "years.2026: årsrapporten behöver 2026VT och 2026HT"),  # noqa: E501
        ("  min_cell: 3", "  min_cell: 0", "min_cell"),
        ("  min_cell: 3", "  min_cells: 3", "okänd nyckel under disclosure: min_cells"),
        ("  reassign_out_of_term: false", "  reassign_out_of_term: kanske", "ingest.reassign_out_of_term"),  # noqa: E501
        ("  min_cases_for_agreement: 10", "  min_cases_for_agreement: tio", "coding.min_cases_for_agreement"),  # noqa: E501
        ("  feedback_days: 60", "  feedback_days: två månader", "report.feedback_days"),
        ("  feedback_days: 60", "  feedback_days: 0", "report.feedback_days"),
    ],
)  # fmt: skip
def test_each_kind_of_mistake_gets_a_line_naming_its_key(
    tiny_project: Path, old: str, new: str, expected: str
) -> None:
    _with_raw(tiny_project, "2024VT", "2024HT", "2025VT", "2025HT", "2025-HT")
    _set(tiny_project, old, new)
    problems = check_params(tiny_project)
    assert any(expected in p for p in problems), problems
    assert all("\n" not in p and "Traceback" not in p for p in problems)


def test_a_missing_section_is_named(tiny_project: Path) -> None:
    text = (tiny_project / "params.yaml").read_text(encoding="utf-8")
    start = text.index("disclosure:")
    (tiny_project / "params.yaml").write_text(text[:start], encoding="utf-8")
    problems = check_params(tiny_project)
    assert any(p.startswith("disclosure: avsnittet saknas") for p in problems), problems


def test_an_emptied_years_section_is_valid_and_written_for_dvc(tiny_project: Path) -> None:
    _with_raw(tiny_project, "2024VT", "2024HT", "2025VT", "2025HT")
    text = (tiny_project / "params.yaml").read_text(encoding="utf-8")
    start, end = text.index("years:"), text.index("report:")
    (tiny_project / "params.yaml").write_text(
        text[:start] + "years:\n\n" + text[end:], encoding="utf-8"
    )
    assert check_params(tiny_project) == []  # no years: no annual report, not an error
    assert fill_empty_sections(tiny_project) == ["years"]
    assert "years: {}\n" in (tiny_project / "params.yaml").read_text(encoding="utf-8")
    assert fill_empty_sections(tiny_project) == []  # nothing more to do
