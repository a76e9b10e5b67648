"""Demo only: the analysts' coding that comes with the demo exports.

The demo exports come with a facit (``data/raw/demo-facit/<TERM>.csv``: the causes each
generated case was written to show). Real analysts code by hand in
``data/coding/<TERM>/kodning.xlsx``; the demo writes that sheet as part of writing its
data, so that ``make report`` is the same sequence for the demo and for real data. For each
term it derives the cases exactly as the ingest stage will (in a private temporary folder
that is deleted afterwards), creates the sheet as the ``coding_sheet`` stage does, and ticks
the facit's causes for part of the cases (with a few deliberate disagreements, so the
agreement figures mean something) and approves some quotations. Only rows no analyst has
touched are filled, so an existing sheet is never overwritten.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pandas as pd

from samverkan.project.paths import TermPaths, config_dir
from samverkan.project.vocabulary import load_vocabulary

log = logging.getLogger(__name__)


def facit_path(root: Path, term: str) -> Path:
    return Path(root) / "data" / "raw" / "demo-facit" / f"{term}.csv"


def facit_with_case_ids(facit: pd.DataFrame, term: str) -> pd.DataFrame:
    """Attach the case_id the ingest gives each facit row.

    Export rows are keyed by their own deviation number (``source_id``); form rows, which
    have none, by ``form_key`` (the key the ingest derives from date and raw text).
    """
    from samverkan.ingest.stage import make_case_id

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
    return rows[["case_id", "causes", "category", "quote_ok", "system"]].drop_duplicates("case_id")


def write_demo_coding(root: Path, term: str, params: dict, *, seed: int) -> str:
    """Create the term's coding sheet and fill it as two analysts would; one-line summary."""
    from samverkan.coding.code import run_sheet_stage
    from samverkan.ingest.stage import DuplicateRule, ingest_term
    from samverkan_dev.demo.sheet_filler import simulate_analysts

    paths = TermPaths.for_term(term, root)
    facit_file = facit_path(paths.root, term)
    if not facit_file.exists():
        return f"{term}: ingen demofacit: inget kodningsark ifyllt"
    settings = params["ingest"]
    with tempfile.TemporaryDirectory(prefix="samverkan-demo-") as tmp:  # created 0700
        processed, quarantine = Path(tmp) / "processed", Path(tmp) / "quarantine"
        ingest_term(
            term,
            paths.raw,
            processed,
            quarantine,
            config_dir=config_dir(paths.root),
            duplicates=DuplicateRule.from_params(settings["duplicates"]),
            reassign_out_of_term=bool(settings["reassign_out_of_term"]),
        )
        run_sheet_stage(term, processed, paths.coding, config_dir=config_dir(paths.root))
    facit = facit_with_case_ids(pd.read_csv(facit_file, dtype=str, keep_default_na=False), term)
    causes = load_vocabulary(config_dir(paths.root)).causes
    filled = simulate_analysts(paths.coding_sheet, facit, causes=causes, seed=seed)
    log.info("demo coding of %s: %d rows filled", term, filled)
    return f"{term}: {filled} rader kodade av demons analytiker"
