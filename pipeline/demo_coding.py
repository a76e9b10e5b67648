"""Demo only: fill the coding sheets the way two analysts would, once per term.

The demo exports come with a facit (data/raw/demo-facit/<TERM>.csv: the causes each
generated case was written to show). Real analysts code by hand; for the demo, this step
ticks the facit's causes for part of the cases (with a few deliberate disagreements, so
the agreement figures mean something) and approves some quotations. It only touches rows
no analyst has touched, and it runs once per term (a marker file beside the sheet), so a
second `make report` changes nothing. With real data there is no facit and it does nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from pipeline.paths import TermPaths

log = logging.getLogger(__name__)

MARKER = ".demo-analytiker-klar"


def facit_path(root: Path, term: str) -> Path:
    return Path(root) / "data" / "raw" / "demo-facit" / f"{term}.csv"


def facit_with_case_ids(facit: pd.DataFrame, term: str) -> pd.DataFrame:
    """Attach the case_id the ingest gives each facit row.

    Export rows are keyed by their own deviation number (``source_id``); form rows, which
    have none, by ``form_key`` (the key the ingest derives from date and raw text).
    """
    from pipeline.ingest import make_case_id

    facit = facit.copy()
    source_id = facit["source_id"].fillna("").astype(str)
    form_key = facit.get("form_key", pd.Series("", index=facit.index)).fillna("").astype(str)
    facit["key"] = source_id.where(source_id != "", form_key)
    rows = facit[facit["key"] != ""].copy()
    rows["case_id"] = [
        make_case_id(term, org, system, key)
        for org, system, key in zip(rows["organisation"], rows["system"], rows["key"], strict=True)
    ]
    rows["causes"] = rows["causes"].fillna("").astype(str)
    rows["quote_ok"] = rows["quote_ok"].astype(str).str.lower().isin({"true", "1", "ja"})
    return rows[["case_id", "causes", "category", "quote_ok"]].drop_duplicates("case_id")


def simulate_term(root: Path, term: str, seed: int | None = None) -> str:
    """Fill the term's sheet from the demo facit once; return a one-line summary."""
    from pipeline.coding.demo_analysts import simulate_analysts
    from pipeline.config import load_params

    paths = TermPaths.for_term(term, root)
    facit_file = facit_path(paths.root, term)
    marker = paths.coding / MARKER
    if not facit_file.exists():
        return f"{term}: ingen demofacit (riktiga data): inget ifyllt"
    if marker.exists():
        return f"{term}: demokodningen är redan gjord: inget ändrat"
    if not paths.coding_sheet.exists():
        return f"{term}: inget kodningsark ännu (kör samverkan coding-sheet --term {term})"
    if seed is None:
        seed = int(load_params(paths.root)["demo"]["seed"])
    facit = facit_with_case_ids(pd.read_csv(facit_file, dtype=str, keep_default_na=False), term)
    filled = simulate_analysts(paths.coding_sheet, facit, seed=seed)
    marker.write_text("Demokodningen av det här arket är gjord.\n", encoding="utf-8")
    log.info("demo coding of %s: %d rows filled", term, filled)
    return f"{term}: {filled} rader kodade som demo"
