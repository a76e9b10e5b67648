"""The term's cases: case ids, de-identified free text, linking, the cases table."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

import pandas as pd

from samverkan.ingest.linking import DuplicateRule, link_reported_by_both
from samverkan.ingest.parallel import chunks, map_ordered, workers
from samverkan.ingest.parties import direction_after_linking
from samverkan.ingest.sources import SourceConfig, normalise_value
from samverkan.project.schema import case_columns, cases_schema, empty_cases
from samverkan.project.terms import Term
from samverkan.project.tuning import bulk_work


def make_case_id(term: str, organisation: str, system: str, source_id: str) -> str:
    """Stable case id: ``f"{term}-{sha1(organisation|system|source_id)[:10]}"``.

    ``source_id`` is the system's own deviation number (stripped text, as in the export).
    Rows of a system without ids (reader kind "form") use
    ``samverkan.ingest.sources.form_source_key``: the received date (fallback: event
    date) as YYYY-MM-DD, "|", and the first 16 hex digits of the sha1 of the case-folded,
    space-collapsed raw description. An export row whose id cell is empty uses
    ``"utan-id:"`` followed by that same key.
    """
    digest = hashlib.sha1(f"{organisation}|{system}|{source_id}".encode()).hexdigest()
    return f"{term}-{digest[:10]}"


# The free-text fields that reach cases.parquet; each is de-identified. Every other
# column of the cases is a controlled value (ids from config/, dates, flags, a deviation
# type that matched organisations.yaml, a validated org__system file name); everything
# else a reader found is dropped before this point (see config/sources.yaml).
FREE_TEXT_FIELDS = ("description", "action", "outcome", "status")


# From this many distinct texts on, de-identification is spread over the worker processes
PARALLEL_TEXTS = 2000
_CHUNKS_PER_WORKER = 8  # small enough chunks that a slow one does not keep a core idle


def _redact_chunk(texts: Sequence[str]) -> list[str]:
    from samverkan.privacy.redaction import redact_many  # heavy to import: only when needed

    with bulk_work():  # in a worker process too
        return redact_many(texts)


def redact_texts(texts: Sequence[str]) -> dict[str, str]:
    """``samverkan.privacy.redact`` of each distinct text, over the machine's cores when
    there are many (``parallel.map_ordered``: the same result with one worker or many)."""
    distinct = list(dict.fromkeys(texts))
    parts = chunks(distinct, workers() * _CHUNKS_PER_WORKER)
    done = map_ordered(_redact_chunk, parts, parallel=len(distinct) >= PARALLEL_TEXTS)
    return dict(zip(distinct, (t for part in done for t in part), strict=True))


def redact_column(values: pd.Series, redacted: dict[str, str] | None = None) -> pd.Series:
    """``samverkan.privacy.redact`` once per distinct non-empty text (``redacted``: the
    texts already de-identified, see ``redact_texts``)."""
    if redacted is None:
        redacted = redact_texts(pd.unique(values.dropna()).tolist())
    # a dict lookup per value: Series.map(dict) first builds an index of the whole dict
    texts = values.astype("string").to_numpy(dtype=object, na_value=None)
    out = [None if t is None else redacted[t] for t in texts]
    return pd.Series(pd.array(out, dtype="string"), index=values.index)


def clean_action(action: pd.Series, config: SourceConfig) -> pd.Series:
    """NA where an action or outcome text means "nothing described" (sources.yaml
    ``no_action_values``)."""
    texts = action.astype("string").to_numpy(dtype=object, na_value=None)
    nothing = config.no_action_values
    said = {t: normalise_value(t) in nothing for t in dict.fromkeys(texts) if t is not None}
    empty = [t is not None and said[t] for t in texts]
    return action.mask(pd.Series(empty, index=action.index, dtype=bool))


def _deidentified(candidates: pd.DataFrame, term: Term, config: SourceConfig) -> pd.DataFrame:
    """Candidates with redacted description and action, case ids and the link columns."""
    df = candidates.reset_index(drop=True)
    df["action"] = clean_action(df["action"], config)
    df["outcome"] = clean_action(df["outcome"], config)
    texts = [t for col in FREE_TEXT_FIELDS for t in pd.unique(df[col].dropna())]
    redacted = redact_texts(texts)
    for col in FREE_TEXT_FIELDS:
        df[col] = redact_column(df[col], redacted)
    df["case_id"] = [
        make_case_id(term.code, o, s, str(i))
        for o, s, i in zip(df["organisation"], df["system"], df["source_id"], strict=True)
    ]
    df["term"] = term.code
    df["reported_by_both"] = False
    df["linked_file"] = pd.array([None] * len(df), dtype="string")
    df["linked_case_id"] = pd.array([None] * len(df), dtype="string")
    return df


def described(text: pd.Series) -> pd.Series:
    """True where a (cleaned, de-identified) text is filled: an action or outcome told."""
    return (text.notna() & (text.str.strip() != "")).fillna(False).astype(bool)


def build_cases(
    candidates: pd.DataFrame, term: Term, config: SourceConfig, rule: DuplicateRule
) -> tuple[pd.DataFrame, Counter[str]]:
    """Candidates of all files -> the cases table and the cross-file duplicates per file."""
    if candidates.empty:
        return empty_cases(config.vocab), Counter()
    df, dropped = link_reported_by_both(
        _deidentified(candidates, term, config), rule, config.stop_words
    )
    df["direction"] = direction_after_linking(df, config)
    df["has_action"] = described(df["action"])
    df["has_outcome"] = described(df["outcome"])
    df = df.sort_values(["received", "case_id"], kind="stable")
    cases = df[list(case_columns(config.vocab))].reset_index(drop=True)
    return cases_schema(config.vocab).validate(cases), Counter(dropped)
