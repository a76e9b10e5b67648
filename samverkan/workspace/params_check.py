"""Checking params.yaml before DVC reads it: one Swedish line per problem, naming the key.

DVC's own messages for a malformed params.yaml are raw ("expected list/dictionary, got
NoneType", "failed to reproduce 'ingest@2025HT'"); :func:`check_params` finds those
problems first and says which key is wrong and how to fix it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from samverkan.project.errors import InputError
from samverkan.project.paths import ProjectPaths
from samverkan.project.settings import load_params

YEAR_PATTERN = r"^\d{4}$"
_SECTIONS = ("terms", "years", "report", "ingest", "coding", "disclosure")


def _term_problems(terms: Any, paths: ProjectPaths) -> list[str]:
    from samverkan.project.schema import TERM_PATTERN  # pandas and pandera: not for the fill

    if not isinstance(terms, dict):
        return ["terms: ska vara en lista av terminer, till exempel 2026VT: {compare: 2025VT}"]
    problems = []
    for term, spec in terms.items():
        key = f"terms.{term}"
        if not re.match(TERM_PATTERN, str(term)):
            problems.append(f"{key}: ingen termin; skriv året och VT eller HT, t.ex. 2026VT")
            continue
        compare = spec.get("compare") if isinstance(spec, dict) else None
        if compare is None:
            problems.append(
                f"{key}: compare saknas; skriv {{compare: {term}}} för ingen jämförelse "
                "eller samma termin förra året"
            )
        elif str(compare) not in {str(t) for t in terms}:
            problems.append(
                f"{key}.compare: {compare} finns inte under terms; jämför med en termin som "
                f"finns där, eller skriv {{compare: {term}}} (ingen jämförelse)"
            )
        if not (paths.raw / str(term)).is_dir():
            problems.append(
                f"{key}: mappen data/raw/{term} saknas; kör samverkan new-term {term} och "
                "lägg exporterna där, eller ta bort terminen ur params.yaml"
            )
    return problems


def _year_problems(years: Any, terms: dict) -> list[str]:
    if years is None:
        return []
    if not isinstance(years, dict):
        return ['years: ska vara en lista av år, t.ex. "2026": {compare: "2025"}, eller {}']
    known = {str(t) for t in terms} if isinstance(terms, dict) else set()
    problems = []
    for year, spec in years.items():
        key = f"years.{year}"
        if not re.match(YEAR_PATTERN, str(year)):
            problems.append(f'{key}: inget år; skriv fyra siffror inom citattecken, t.ex. "2026"')
            continue
        missing = [t for t in (f"{year}VT", f"{year}HT") if t not in known]
        if missing:
            problems.append(f"{key}: årsrapporten behöver {' och '.join(missing)} under terms")
        compare = spec.get("compare") if isinstance(spec, dict) else None
        if compare is None or str(compare) not in {str(y) for y in years}:
            problems.append(
                f'{key}.compare: skriv ett år som finns under years, eller "{year}" '
                "(ingen jämförelse)"
            )
    return problems


def _setting_problems(params: dict) -> list[str]:
    from samverkan.ingest.linking import DuplicateRule
    from samverkan.privacy.disclosure import DisclosurePolicy
    from samverkan.report.stats import feedback_days_setting

    problems = []
    for check in (
        lambda: DisclosurePolicy.from_params(params),
        lambda: DuplicateRule.from_params((params.get("ingest") or {}).get("duplicates") or {}),
        lambda: feedback_days_setting(params),
    ):
        try:
            check()
        except InputError as exc:
            problems.append(f"{exc.problem}. {exc.fix}")
    ingest = params.get("ingest") or {}
    if not isinstance(ingest.get("reassign_out_of_term"), bool):
        problems.append("ingest.reassign_out_of_term: skriv true eller false")
    value = (params.get("coding") or {}).get("min_cases_for_agreement")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.append("coding.min_cases_for_agreement: skriv ett heltal, minst 1 (t.ex. 10)")
    return problems


def check_params(root: Path) -> list[str]:
    """Every problem of params.yaml as one Swedish line each (empty list: all is well)."""
    paths = ProjectPaths(Path(root))
    params = load_params(paths.root)
    problems = [
        f"{section}: avsnittet saknas; återställ det från git"
        for section in _SECTIONS
        if section not in params
    ]
    if problems:
        return problems
    return [
        *_term_problems(params["terms"], paths),
        *_year_problems(params["years"], params["terms"]),
        *_setting_problems(params),
    ]


def fill_empty_sections(root: Path) -> list[str]:
    """Write an empty ``terms:`` or ``years:`` as ``{}``, which DVC reads as "none".

    An emptied section is valid (a project without an annual report yet), but DVC cannot
    read a key without a value. Returns the keys rewritten.
    """
    path = ProjectPaths(Path(root)).params
    text = path.read_text(encoding="utf-8")
    fixed = []
    for key in ("terms", "years"):
        pattern = re.compile(rf"(?m)^{key}:[ \t]*(#.*)?$(?!\n[ \t]+\S)")
        if pattern.search(text):
            text = pattern.sub(f"{key}: {{}}", text, count=1)
            fixed.append(key)
    if fixed:
        from samverkan.project.atomic import write_text_atomic

        write_text_atomic(path, text)
    return fixed
