"""Tiny synthetic tables shared by the coding tests, and the project's codebook."""

from __future__ import annotations

import pandas as pd
from conftest import CONFIG

from samverkan.coding.codebook import load_codebook
from samverkan.project.schema import cases_schema
from samverkan.project.vocabulary import load_vocabulary

BOOK = load_codebook(CONFIG / "codebook.yaml")
VOCAB = load_vocabulary(CONFIG)


def make_cases(
    texts: dict[str, str], term: str = "2025VT", category: dict | None = None
) -> pd.DataFrame:
    """A valid cases table: one row per (hex suffix -> description)."""
    category = category or {}
    n = len(texts)
    rows = {
        "case_id": [f"{term}-{k}" for k in texts],
        "term": [term] * n,
        "received": pd.to_datetime([f"2025-02-{i + 1:02d}" for i in range(n)]),
        "event_date": pd.to_datetime([None] * n),
        "organisation": ["svedala"] * n,
        "system": ["lifecare"] * n,
        "reporter_party": ["socialtjanst"] * n,
        "receiver_party": ["vuxenpsykiatri"] * n,
        "direction": ["kommun_till_region"] * n,
        "category": [category.get(k) for k in texts],
        "source_type": ["Avvikelse extern aktör"] * n,
        "description": list(texts.values()),
        "action": [None] * n,
        "has_action": [False] * n,
        "status": [None] * n,
        "involves_child": [None] * n,
        "reported_by_both": [False] * n,
        "source_file": ["svedala__lifecare.csv"] * n,
        "linked_file": [None] * n,
    }
    return cases_schema(VOCAB).validate(pd.DataFrame(rows))
