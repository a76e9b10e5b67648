"""Report text in Swedish, generated from the data with Jinja2 templates.

The functions here turn statistics into formatted sentence parts (every count through
disclosure control: ``färre än 3`` instead of a small number) and fill the templates in
``templates/*.md.j2``. They return Markdown with ``###`` as the highest heading level (the
notebooks hold the ``##`` section headings).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from samverkan.privacy.disclosure import (
    TOTAL_LABEL,
    DisclosurePolicy,
    ProtectedTable,
    is_small,
    protect,
    safe_count,
)
from samverkan.report import fmt, stats
from samverkan.report.narrative.group import (
    Proposal,
    ProposalMenu,
    follow_up_for,
    load_follow_up,
    load_proposals,
    roster_sections,
    select_proposals,
)

__all__ = [
    "Proposal",
    "ProposalMenu",
    "actions_section",
    "agreement_table",
    "annual_summary",
    "cases_text",
    "cause_section",
    "follow_up_for",
    "load_follow_up",
    "load_proposals",
    "method_section",
    "proposals_section",
    "quote_markdown",
    "render",
    "roster_sections",
    "select_proposals",
    "share_phrase",
    "term_summary",
]

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"


def duplicate_rule(record: Mapping[str, Any]) -> str:
    """The rule that linked incidents reported by both parties, in Swedish, with the
    thresholds ingest recorded in ``ingest.json`` (``record["duplicates"]``)."""
    rule = record["duplicates"]
    max_days_apart = int(rule["max_days_apart"])
    days = "samma dag" if max_days_apart == 0 else f"högst {fmt.number(max_days_apart)} dagar isär"
    share = fmt.percent(float(rule["min_text_similarity"]), digits=0)
    if rule.get("method") == "ngram":
        ngram = fmt.percent(float(rule["min_ngram_similarity"]), digits=0)
        text_rule = (
            f"beskrivningarnas innehållsord liknar varandra (minst {ngram} likhet mellan "
            "teckenföljder, ett mått som tål att parterna skriver med egna ord) eller minst "
            f"{share} av orden är gemensamma"
        )
    else:
        text_rule = (
            f"minst {share} av orden i de avidentifierade beskrivningarna är gemensamma "
            "(Jaccard-likhet)"
        )
    if rule.get("link_by_person_id"):
        text_rule = (
            "de gäller samma person (jämfört med en nyckel som räknas fram ur personnumret "
            "med projektets hemliga nyckel och aldrig sparas; där exporten saknar "
            f"personnummer gäller i stället att {text_rule})"
        )
    return (
        "Samma händelse kan komma in två gånger: från den part som rapporterade den och som "
        "mottagen hos den andra parten. Två rader från olika filer räknas som samma fall när "
        "den ena kommer från en kommun och den andra från regionen (eller de pekar ut "
        f"varandra som mottagare), deras händelsedatum ligger {days} och {text_rule}. Den "
        "rapporterande partens rad behålls och markeras som rapporterad av båda parter; den "
        "andra räknas som dubblett i sin fil. Samma avvikelsenummer två gånger i en fil "
        "räknas som ett fall."
    )


def duplicate_rules(records: Mapping[str, Mapping[str, Any]]) -> str:
    """The rule of each term's ingest (term -> ingest.json); one text when all agree."""
    rules = {term: duplicate_rule(rec) for term, rec in records.items()}
    texts = list(dict.fromkeys(rules.values()))
    if len(texts) == 1:
        return texts[0]
    return " ".join(
        f"{fmt.capitalize(fmt.term_label(term))}: {text}" for term, text in rules.items()
    )


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters["join_list"] = fmt.join_list
    env.filters["capitalize_first"] = fmt.capitalize
    return env


def render(template: str, **context: Any) -> str:
    """Fill one template and tidy the Markdown (no runs of blank lines, no stray spaces)."""
    text = _env().get_template(template).render(**context)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"([^\n])\n +(?=\S)", r"\1 ", text)  # sentences continued in the template
    text = re.sub(r"(?m)^ +(?=\S)", "", text)
    text = re.sub(r" {2,}", " ", text)
    return text.strip() + "\n"


# --- sentence parts ----------------------------------------------------------------------


def cases_text(n: int, policy: DisclosurePolicy) -> str:
    """``"inga fall"``, ``"färre än 3 fall"``, ``"1 234 fall"``."""
    if n == 0:
        return "inga fall"
    return f"{safe_count(n, policy)} fall"


def share_phrase(k: int, n: int, policy: DisclosurePolicy) -> str:
    """A part of all cases, without revealing a small count.

    ``"tre av tolv fall"``, ``"23 av 60 fall (38,3 %)"``, ``"färre än 3 av 60 fall"``,
    ``"alla utom färre än 3 av de 60 fallen"``.
    """
    if n == 0:
        return "inga fall"
    if is_small(n, policy):
        return f"färre än {policy.min_cell} fall" if k else "inga fall"
    if k == 0:
        return f"inget av de {fmt.number(n)} fallen"
    if is_small(k, policy):
        return f"färre än {policy.min_cell} av {fmt.count_cases(n)}"
    if is_small(n - k, policy):
        return f"alla utom färre än {policy.min_cell} av de {fmt.number(n)} fallen"
    if k == n:
        return f"alla {fmt.count_cases(n)}" if n > 12 else f"alla {fmt.number_word(n)} fall"
    if n <= 12:
        return fmt.share_text(k, n)
    return f"{fmt.share_text(k, n)} ({fmt.percent(k / n)})"


def _organisations_text(n: int) -> str:
    return "en organisation" if n == 1 else f"{fmt.number_word(n)} organisationer"


def _comparison(now: int, then: int | None, then_label: str, policy: DisclosurePolicy) -> str:
    if then is None:
        return ""
    if is_small(now, policy) or is_small(then, policy):
        return f"{fmt.capitalize(then_label)} kom {cases_text(then, policy)} in."
    diff = now - then
    if diff == 0:
        return f"Det är lika många som {then_label}."
    more = "fler" if diff > 0 else "färre"
    rel = f" ({fmt.percent(abs(diff) / then, 0)})" if then else ""
    return (
        f"Det är {fmt.number(abs(diff))} {more}{rel} än {then_label}, då "
        f"{cases_text(then, policy)} kom in."
    )


def _cause_items(
    counts: pd.DataFrame, policy: DisclosurePolicy, skip: int = 0, limit: int = 4
) -> list[str]:
    rows = counts[counts["n"] > 0].iloc[skip : skip + limit]
    return [
        f"{fmt.lower_label(r.label)} ({cases_text(int(r.n), policy)})" for r in rows.itertuples()
    ]


def _table_text(pt: ProtectedTable, row: object, col: object) -> str:
    """A count of a protected table for running text, consistent with the table."""
    value = pt.cell(row, col)
    if value == 0:
        return "inga fall"
    return f"{pt.text(row, col)} fall"


def _directions(
    cases: pd.DataFrame, labels: stats.Labels, policy: DisclosurePolicy
) -> dict[str, str]:
    """Cases per direction, as the protected organisation table shows them."""
    pt = protect(stats.by_organisation_direction(cases, labels), policy)
    return {d: _table_text(pt, TOTAL_LABEL, labels.direction(d)) for d in stats.DIRECTION_LABELS}


def _children(cases: pd.DataFrame, policy: DisclosurePolicy) -> dict[str, Any]:
    child = stats.children(cases)
    return {
        "share": share_phrase(child.n_child, child.n_cases, policy),
        "any": child.n_child > 0,
        "unknown": cases_text(child.n_unknown, policy) if child.n_unknown else "",
    }


def _quality(reconciliation: ProtectedTable | None) -> dict[str, str] | None:
    """Row counts for the text, from the protected reconciliation table's total row."""
    if reconciliation is None:
        return None
    out = {"read": reconciliation.text(TOTAL_LABEL, TOTAL_LABEL)}
    for key, label in stats.QUALITY_LABELS.items():
        if key != "read":
            out[key] = reconciliation.text(TOTAL_LABEL, label)
    return out


def _has_action(cases: pd.DataFrame, labels: stats.Labels, policy: DisclosurePolicy) -> str:
    """Share with a described action, as the protected actions table allows."""
    pt = protect(stats.actions_by_organisation(cases, labels), policy)
    with_col, without_col = pt.values.columns[:2]
    k, rest = pt.cell(TOTAL_LABEL, with_col), pt.cell(TOTAL_LABEL, without_col)
    n = pt.cell(TOTAL_LABEL, TOTAL_LABEL)
    if k is None or n is None or rest is None:
        small = bool(pt.marked_small.loc[TOTAL_LABEL, with_col])
        return f"färre än {policy.min_cell} fall" if small else "en del av fallen"
    return share_phrase(k, n, policy)


# --- sections ------------------------------------------------------------------------------


def term_summary(
    term: str,
    cases: pd.DataFrame,
    *,
    labels: stats.Labels,
    policy: DisclosurePolicy,
    previous: pd.DataFrame | None = None,
    compare_term: str = "",
    reconciliation: ProtectedTable | None = None,
) -> str:
    """The short summary of a term report (Markdown paragraphs, about half a page).

    ``reconciliation``: ``protect(stats.reconciliation_counts(...), policy)``, the table
    the report shows (the text uses its totals, so text and table agree).
    """
    counts = stats.cause_counts(cases, labels)
    top = counts[counts["n"] > 0]
    then_label = fmt.term_label(compare_term) if compare_term else ""
    return render(
        "term_summary.md.j2",
        period=fmt.term_label(term),
        n_cases=cases_text(len(cases), policy),
        organisations=_organisations_text(cases["organisation"].nunique()),
        comparison=_comparison(
            len(cases), None if previous is None else len(previous), then_label, policy
        ),
        directions=_directions(cases, labels, policy),
        top_cause=fmt.lower_label(top["label"].iloc[0]) if len(top) else "",
        top_share=share_phrase(int(top["n"].iloc[0]), len(cases), policy) if len(top) else "",
        other_causes=_cause_items(counts, policy, skip=1, limit=3),
        children=_children(cases, policy),
        has_action=_has_action(cases, labels, policy),
        quality=_quality(reconciliation),
        coding=stats.coding_counts(cases),
        manual=cases_text(stats.coding_counts(cases).n_manual, policy),
        auto_only=cases_text(stats.coding_counts(cases).n_auto_only, policy),
    )


def _change(label: str, then: int, now: int, policy: DisclosurePolicy) -> dict[str, str]:
    return {
        "label": fmt.lower_label(label),
        "span": f"från {safe_count(then, policy)} till {safe_count(now, policy)} fall",
    }


def _largest_changes(
    now: pd.DataFrame, then: pd.DataFrame, labels: stats.Labels, policy: DisclosurePolicy
) -> dict[str, str]:
    """The cause that grew most and the one that fell most (only counts that can be shown)."""
    a = stats.cause_counts(now, labels)
    b = stats.cause_counts(then, labels).reindex(a.index)
    diff = (a["n"] - b["n"]).astype(int)
    visible = ~(
        a["n"].map(lambda v: is_small(v, policy)) | b["n"].map(lambda v: is_small(v, policy))
    )
    diff = diff[visible]
    out = {}
    if len(diff) and diff.max() > 0:
        c = diff.idxmax()
        out["up"] = _change(a.loc[c, "label"], int(b.loc[c, "n"]), int(a.loc[c, "n"]), policy)
    if len(diff) and diff.min() < 0:
        c = diff.idxmin()
        out["down"] = _change(a.loc[c, "label"], int(b.loc[c, "n"]), int(a.loc[c, "n"]), policy)
    return out


def annual_summary(
    year: str,
    cases: pd.DataFrame,
    *,
    labels: stats.Labels,
    policy: DisclosurePolicy,
    previous: pd.DataFrame | None = None,
    compare_year: str = "",
) -> str:
    """The summary of the annual report: a few plain paragraphs."""
    counts = stats.cause_counts(cases, labels)
    top = counts[counts["n"] > 0]
    resources = int(counts.loc["resurser", "n"]) if "resurser" in counts.index else 0
    return render(
        "annual_summary.md.j2",
        year=str(year),
        n_cases=cases_text(len(cases), policy),
        organisations=_organisations_text(cases["organisation"].nunique()),
        comparison=_comparison(
            len(cases),
            None if previous is None else len(previous),
            f"år {compare_year}" if compare_year else "",
            policy,
        ),
        changes=_largest_changes(cases, previous, labels, policy) if previous is not None else {},
        compare_year=str(compare_year),
        top_cause=fmt.lower_label(top["label"].iloc[0]) if len(top) else "",
        top_share=share_phrase(int(top["n"].iloc[0]), len(cases), policy) if len(top) else "",
        other_causes=_cause_items(counts, policy, skip=1, limit=3),
        resources=cases_text(resources, policy),
        children=_children(cases, policy),
        has_action=_has_action(cases, labels, policy),
        both=cases_text(int(cases["reported_by_both"].astype(bool).sum()), policy),
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def quote_markdown(text: str) -> str:
    """A quotation as a Markdown block quote, with Markdown and HTML characters escaped.

    Redaction placeholders such as [NAMN] stay readable.
    """
    flat = " ".join(str(text).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat).replace("&", "&amp;")
    return f"> ”{escaped}”"


def cause_section(
    cause: str,
    cases: pd.DataFrame,
    *,
    labels: stats.Labels,
    policy: DisclosurePolicy,
    trend: Mapping[str, int] | None = None,
    quotes: Sequence[str] = (),
) -> str:
    """One cause in the results section: meaning, number of cases, trend, quotations."""
    info = labels.causes.get(cause) or stats.CodeInfo(cause, labels.cause(cause))
    n = int(cases[f"cause_{cause}"].astype(bool).sum())
    child = cases[cases["involves_child"].astype("boolean").fillna(False)]
    n_child = int(child[f"cause_{cause}"].astype(bool).sum())
    trend_items = []
    by_term = True
    for period, k in (trend or {}).items():
        by_term = bool(re.match(r"^\d{4}(VT|HT)$", str(period)))
        name = fmt.term_label(period) if by_term else f"år {period}"
        trend_items.append(f"{cases_text(int(k), policy)} {name}")
    direction = ""
    values = [int(k) for k in (trend or {}).values()]
    if len(values) >= 2 and not any(is_small(v, policy) for v in values[-2:]):
        if values[-1] > values[-2]:
            direction = "fler"
        elif values[-1] < values[-2]:
            direction = "färre"
        else:
            direction = "lika"
    return render(
        "cause_section.md.j2",
        label=info.label,
        definition=info.definition,
        inclusion=info.inclusion,
        share=share_phrase(n, len(cases), policy),
        n=n,
        children=share_phrase(n_child, n, policy) if n_child and not is_small(n, policy) else "",
        trend=trend_items,
        direction=direction,
        unit="halvåret" if by_term else "året",
        quotes=[quote_markdown(q) for q in quotes],
    )


def agreement_table(agreement: Mapping[str, Any] | None, labels: stats.Labels) -> pd.DataFrame:
    """Cohen's kappa per cause: automatic suggestions against analysts, and between analysts."""
    rows = {}
    if agreement:
        for key, column in (
            ("auto_vs_manual", "Automatiska förslag mot analytiker (κ)"),
            ("between_analysts", "Mellan två analytiker (κ)"),
        ):
            kappa = (agreement.get(key) or {}).get("kappa") or {}
            rows[column] = {
                labels.cause(c): (None if kappa.get(c) is None else float(kappa[c]))
                for c in labels.causes
            }
    table = pd.DataFrame(rows)
    table.index.name = "Orsak"
    return table.map(lambda v: "–" if v is None or pd.isna(v) else fmt.number(v, 2))


def _suggestion_quality(part: Mapping[str, Any] | None, policy: DisclosurePolicy) -> str:
    """The leave-one-term-out figures of the suggestions (agreement.json "suggestions"),
    as a phrase; "" when no term had hand-coded cases to test on."""
    if not part or not part.get("n_cases") or int(part.get("n_terms") or 0) < 2:
        return ""
    blend, rules = part["blend"], part["rules_only"]
    terms = fmt.number_word(int(part["n_terms"]))
    return (
        f"mikro-F1 {fmt.number(float(blend['f1']), 2)} (precision "
        f"{fmt.number(float(blend['precision']), 2)}, täckning "
        f"{fmt.number(float(blend['recall']), 2)}) på {cases_text(int(part['n_cases']), policy)} "
        f"från {terms} terminer; kodbokens regler ensamma gav "
        f"{fmt.number(float(rules['f1']), 2)}"
    )


def _agreement_parts(
    agreement: Mapping[str, Any] | None, policy: DisclosurePolicy
) -> dict[str, str]:
    out = {"auto_vs_manual": "", "between_analysts": "", "suggestions": ""}
    if not agreement:
        return out
    out["suggestions"] = _suggestion_quality(agreement.get("suggestions"), policy)
    for key in ("auto_vs_manual", "between_analysts"):
        part = agreement.get(key) or {}
        n = int(part.get("n") or 0)
        alpha = part.get("alpha")
        if n and alpha is not None:
            out[key] = f"Krippendorffs alfa {fmt.number(float(alpha), 2)} över alla orsaker"
            if key == "auto_vs_manual":
                out[key] += f" ({cases_text(n, policy)})"
    return out


def _small_range(policy: DisclosurePolicy) -> str:
    if policy.min_cell <= 2:
        return "1"
    if policy.min_cell == 3:
        return "1 eller 2"
    return f"1 till {policy.min_cell - 1}"


def method_section(
    cases: pd.DataFrame,
    *,
    labels: stats.Labels,
    policy: DisclosurePolicy,
    terms: Sequence[str],
    reconciliation: ProtectedTable | None = None,
    agreement: Mapping[str, Any] | None = None,
    n_double_coded: int | None = None,
    agreement_period: str = "",
    reconciliation_where: str = "i bilagan",
    ingest_records: Mapping[str, Mapping[str, Any]],
) -> str:
    """Background and method: sources, terms, de-duplication, coding, disclosure rule.

    ``ingest_records``: term -> what the term's ingest recorded (``ingest.json``), whose
    duplicate rule the method states.

    ``agreement_period``: the term the agreement figures come from, when the report covers
    more than one (e.g. "2025HT").
    """
    orgs = sorted({labels.organisation(o) for o in cases["organisation"]})
    present = set(cases["system"])
    systems = [labels.system(s) for s in labels.systems if s in present]
    coding = stats.coding_counts(cases)
    if n_double_coded is None and agreement:
        n_double_coded = int(agreement.get("n_double_coded") or 0)
    return render(
        "method_section.md.j2",
        organisations=orgs,
        systems=systems,
        terms=[fmt.term_label(t) for t in terms],
        quality=_quality(reconciliation),
        reconciliation_where=reconciliation_where,
        duplicate_rule=duplicate_rules(ingest_records),
        n_cases=cases_text(coding.n_cases, policy),
        manual=cases_text(coding.n_manual, policy),
        auto_only=cases_text(coding.n_auto_only, policy),
        double_coded=cases_text(n_double_coded or 0, policy),
        agreement=_agreement_parts(agreement, policy),
        agreement_period=fmt.term_label(agreement_period) if agreement_period else "",
        codebook_version=labels.codebook_version,
        min_cell=policy.min_cell,
        group_below=policy.group_below,
        small=_small_range(policy),
    )


def actions_section(
    cases: pd.DataFrame,
    *,
    labels: stats.Labels,
    policy: DisclosurePolicy,
    follow_up: pd.DataFrame | None = None,
    follow_up_year: str = "",
) -> str:
    """Actions and follow-up: share with a described action, and last year's proposals."""
    shares = stats.action_shares(
        protect(stats.actions_by_organisation(cases, labels), policy)
    ).dropna()
    best = worst = ""
    if len(shares) >= 2 and shares.max() > shares.min():
        best = f"{shares.idxmax()} ({fmt.percent(shares.max(), 0)})"
        worst = f"{shares.idxmin()} ({fmt.percent(shares.min(), 0)})"
    statuses = {}
    if follow_up is not None and len(follow_up):
        statuses = follow_up["Status"].str.strip().str.lower().value_counts(sort=False).to_dict()
    return render(
        "actions_section.md.j2",
        has_action=_has_action(cases, labels, policy),
        best=best,
        worst=worst if worst != best else "",
        follow_up_year=str(follow_up_year),
        n_follow_up=len(follow_up) if follow_up is not None else 0,
        statuses=[f"{k} ({fmt.number_word(v)})" for k, v in statuses.items()],
    )


def proposals_section(
    selected: Sequence[tuple[Proposal, Sequence[str]]],
    *,
    labels: stats.Labels,
    counts: pd.DataFrame,
    policy: DisclosurePolicy,
) -> str:
    """The proposals tied to the most frequent causes (from ``select_proposals``)."""
    items = []
    for proposal, hits in selected:
        causes = [
            f"{fmt.lower_label(labels.cause(c))} ({cases_text(int(counts.loc[c, 'n']), policy)})"
            for c in hits
        ]
        items.append({"title": proposal.title, "text": proposal.text, "causes": causes})
    top = [fmt.lower_label(labels.cause(c)) for c in counts[counts["n"] > 0].index[:3]]
    return render("proposals_section.md.j2", items=items, top=top)
