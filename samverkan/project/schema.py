"""Schemas of the tables that cross stages (pandera).

Every stage validates what it writes and what it reads against these. The column names
are a contract: notebooks, reports, tests and the analysts' spreadsheet use them. The
controlled values (causes, categories, systems) come from a
:class:`~samverkan.project.vocabulary.Vocabulary`, never from lists written here.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from samverkan.project.vocabulary import Vocabulary

DIRECTIONS = ("kommun_till_region", "region_till_kommun", "ovrigt")
TERM_PATTERN = r"^\d{4}(VT|HT)$"
CATEGORY_SOURCES = ("manuell", "källa", "automatisk")
CODINGS = ("manuell", "automatisk")

_text = {"dtype": "string", "nullable": False, "coerce": True}
_opt_text = {"dtype": "string", "nullable": True, "coerce": True}


def case_columns(vocab: Vocabulary) -> dict[str, pa.Column]:
    """The columns of cases.parquet; categories and systems from ``vocab``."""
    return {
        # stable across re-runs: term + hash of organisation, system and the source's own id
        "case_id": pa.Column(
            checks=pa.Check.str_matches(r"^\d{4}(VT|HT)-[0-9a-f]{10}$"), unique=True, **_text
        ),
        "term": pa.Column(checks=pa.Check.str_matches(TERM_PATTERN), **_text),
        "received": pa.Column("datetime64[ns]", nullable=False, coerce=True),
        "event_date": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        "organisation": pa.Column(**_text),  # slug from config/organisations.yaml (the owner)
        "system": pa.Column(checks=pa.Check.isin(vocab.systems), **_text),
        "reporter_party": pa.Column(**_text),  # party id from config/parties.yaml
        "receiver_party": pa.Column(**_text),
        "direction": pa.Column(checks=pa.Check.isin(DIRECTIONS), **_text),
        # NA when the source gave none
        "category": pa.Column(checks=pa.Check.isin(vocab.categories), **_opt_text),
        "source_type": pa.Column(**_opt_text),  # the original deviation type
        "description": pa.Column(**_text),  # de-identified
        "action": pa.Column(**_opt_text),  # de-identified; NA when none described
        "has_action": pa.Column("boolean", nullable=False, coerce=True),
        # what came of it (the system's follow-up text, or the analysts' "Utfall"),
        # de-identified; NA when not known
        "outcome": pa.Column(**_opt_text),
        "has_outcome": pa.Column("boolean", nullable=False, coerce=True),
        # the day the reporting party got feedback (the export's, or the analysts' date)
        "feedback_date": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        "status": pa.Column(**_opt_text),  # the source's own status text, if any
        "involves_child": pa.Column("boolean", nullable=True, coerce=True),
        "reported_by_both": pa.Column("boolean", nullable=False, coerce=True),
        "source_file": pa.Column(**_text),  # e.g. svedala__lifecare.csv (no path)
        "linked_file": pa.Column(**_opt_text),  # the other party's file when reported by both
        # the case id of the other party's report merged into this one (its codes follow)
        "linked_case_id": pa.Column(**_opt_text),
    }


def cases_schema(vocab: Vocabulary) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(case_columns(vocab), strict=True, ordered=False, name="cases")


def coded_case_columns(vocab: Vocabulary) -> dict[str, pa.Column]:
    """The columns of coded_cases.parquet: the cases plus one flag per cause and the coding."""
    return {
        **case_columns(vocab),
        # final category: manual if the analyst set one, else the source's, else the suggestion
        "category": pa.Column(checks=pa.Check.isin(vocab.categories), **_text),
        "category_source": pa.Column(checks=pa.Check.isin(CATEGORY_SOURCES), **_text),
        **{col: pa.Column("boolean", nullable=False, coerce=True) for col in vocab.cause_columns},
        "auto_causes": pa.Column(**_text),  # ";"-joined suggested cause ids, "" when none
        "manual_causes": pa.Column(**_opt_text),  # ";"-joined; NA when not coded by hand
        "coding": pa.Column(checks=pa.Check.isin(CODINGS), **_text),
        "quote_approved": pa.Column("boolean", nullable=False, coerce=True),
        "quote": pa.Column(**_opt_text),  # redacted, only when approved
    }


def coded_cases_schema(vocab: Vocabulary) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        coded_case_columns(vocab), strict=True, ordered=False, name="coded_cases"
    )


RECONCILIATION_COLUMNS = ["file", "read", "kept", "excluded", "duplicates", "quarantined"]

ReconciliationSchema = pa.DataFrameSchema(
    {
        "file": pa.Column(**_text),
        **{c: pa.Column("int64", pa.Check.ge(0), coerce=True) for c in RECONCILIATION_COLUMNS[1:]},
    },
    checks=pa.Check(
        lambda df: df["read"] == df["kept"] + df["excluded"] + df["duplicates"] + df["quarantined"],
        error="lästa ska vara behållna + andra avvikelsetyper + dubbletter + karantän",
    ),
    strict=True,
    name="reconciliation",
)


def empty_cases(vocab: Vocabulary) -> pd.DataFrame:
    """A zero-row cases table with the right columns and dtypes."""
    columns = case_columns(vocab)
    return cases_schema(vocab).coerce_dtype(pd.DataFrame({c: [] for c in columns}))
