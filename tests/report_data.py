"""Tiny synthetic coded cases and reconciliation tables for the report tests (no real data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from conftest import CONFIG, DEMO_GROUP, DEMO_PARAMS

from samverkan.project.schema import ReconciliationSchema, coded_cases_schema
from samverkan.project.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary(CONFIG)
CAUSES = VOCABULARY.causes

ORGS = ("svedala", "vellinge", "trelleborg", "region-skane")
PARTIES = ("socialtjanst", "bup", "vuxenpsykiatri", "elevhalsa", "primarvard")


def make_coded_cases(term: str, n: int, seed: int = 1, quotes: bool = True) -> pd.DataFrame:
    """``n`` coded cases of ``term`` valid under the coded-cases schema, with skewed causes."""
    rng = np.random.default_rng(seed)
    follow_up = np.random.default_rng(
        seed + 7919
    )  # own stream: the other columns stay as they were
    year, half = int(term[:4]), term[4:]
    start = pd.Timestamp(year=year, month=1 if half == "VT" else 7, day=1)
    received = start + pd.to_timedelta(rng.integers(0, 170, n), unit="D")
    org = rng.choice(ORGS, n, p=[0.35, 0.25, 0.25, 0.15])
    direction = np.where(
        org == "region-skane",
        "region_till_kommun",
        rng.choice(["kommun_till_region", "ovrigt"], n, p=[0.85, 0.15]),
    )
    weights = np.linspace(0.7, 0.04, len(CAUSES))
    causes = rng.random((n, len(CAUSES))) < weights
    manual = rng.random(n) < 0.6
    approved = quotes & (rng.random(n) < 0.3)
    frame = pd.DataFrame(
        {
            "case_id": [f"{term}-{i:010x}" for i in range(n)],
            "term": term,
            "received": received,
            "event_date": received - pd.Timedelta(days=2),
            "organisation": org,
            "system": np.where(org == "region-skane", "ritz", "lifecare"),
            "reporter_party": rng.choice(PARTIES, n),
            "receiver_party": rng.choice(PARTIES, n),
            "direction": direction,
            "category": rng.choice(["rutiner", "kommunikation_samverkan", "ovrigt"], n),
            "category_source": "källa",
            "source_type": "Avvikelse extern aktör",
            "description": "Vi har sökt [NAMN] utan återkoppling.",
            "action": pd.array([pd.NA] * n, dtype="string"),
            "has_action": rng.random(n) < 0.5,
            "outcome": pd.array([pd.NA] * n, dtype="string"),
            "has_outcome": follow_up.random(n) < 0.4,
            "feedback_date": (
                received + pd.to_timedelta(follow_up.integers(5, 90, n), unit="D")
            ).where(follow_up.random(n) < 0.6),
            "status": pd.array([pd.NA] * n, dtype="string"),
            "involves_child": rng.random(n) < 0.3,
            "reported_by_both": rng.random(n) < 0.1,
            "source_file": "svedala__lifecare.csv",
            "linked_file": pd.array([pd.NA] * n, dtype="string"),
            "linked_case_id": pd.array([pd.NA] * n, dtype="string"),
            **{f"cause_{c}": causes[:, k] for k, c in enumerate(CAUSES)},
            "auto_causes": [
                ";".join(c for c, f in zip(CAUSES, row, strict=True) if f) for row in causes
            ],
            "manual_causes": pd.array(
                [
                    ";".join(c for c, f in zip(CAUSES, row, strict=True) if f) if m else pd.NA
                    for row, m in zip(causes, manual, strict=True)
                ],
                dtype="string",
            ),
            "coding": np.where(manual, "manuell", "automatisk"),
            "quote_approved": approved,
            "quote": pd.array(
                [
                    "Ingen återkom till [NAMN] om tiden för SIP-mötet." if a else pd.NA
                    for a in approved
                ],
                dtype="string",
            ),
        }
    )
    return coded_cases_schema(VOCABULARY).validate(frame)


INGEST_RECORD = {
    "duplicates": {"max_days_apart": 3, "min_text_similarity": 0.6},
    "reassign_out_of_term": False,
}


def make_reconciliation(kept: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "file": ["svedala__lifecare.csv", "region-skane__ritz.xlsx"],
            "read": [kept - 5 + 9, 5 + 4],
            "kept": [kept - 5, 5],
            "excluded": [6, 2],
            "duplicates": [2, 1],
            "quarantined": [1, 1],
        }
    )
    return ReconciliationSchema.validate(frame)


def make_agreement(n: int) -> dict:
    kappa = {c: (0.8 if k % 3 else None) for k, c in enumerate(CAUSES)}
    return {
        "n_cases": n,
        "n_manual": n // 2,
        "n_auto_only": n - n // 2,
        "n_double_coded": 12,
        "auto_vs_manual": {"n": n // 2, "alpha": 0.74, "kappa": kappa},
        "between_analysts": {"n": 12, "alpha": 0.81, "kappa": kappa},
    }


def make_project(root: Path, source: Path, terms: dict[str, int]) -> Path:
    """A small project in ``root``: params.yaml, dvc.yaml, config/ and data for ``terms``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "dvc.yaml", root / "dvc.yaml")
    shutil.copy(DEMO_PARAMS, root / "params.yaml")  # never the working params.yaml
    shutil.copytree(source / "config", root / "config")
    shutil.copytree(DEMO_GROUP, root / "data" / "group")  # never the working group files
    for seed, (term, n) in enumerate(terms.items(), start=1):
        folder = root / "data" / "processed" / term
        folder.mkdir(parents=True, exist_ok=True)
        make_coded_cases(term, n, seed=seed).to_parquet(folder / "coded_cases.parquet")
        make_reconciliation(n).to_csv(folder / "reconciliation.csv", index=False)
        (folder / "agreement.json").write_text(json.dumps(make_agreement(n)), encoding="utf-8")
        (folder / "ingest.json").write_text(json.dumps(INGEST_RECORD), encoding="utf-8")
    return root
