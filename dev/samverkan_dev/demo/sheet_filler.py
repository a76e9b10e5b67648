"""Demo only: fill the analysts' columns of a coding sheet from the demo facit.

Never used with real data. It writes only rows where no analyst column holds anything, so
it can never overwrite a real edit.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from samverkan.coding.cells import private_file
from samverkan.coding.sheet import SHEET, header_map
from samverkan.project.atomic import workbook_bytes, write_bytes_atomic
from samverkan.project.errors import InputError
from samverkan.project.settings import load_yaml
from samverkan.project.terms import parse_term

log = logging.getLogger(__name__)

_SLIP_FIRST = 0.12  # share of rows where analyst 1 deviates from the facit
_SLIP_SECOND = 0.2  # the same for analyst 2


def _slip(causes: list[str], rng: random.Random, known: Sequence[str]) -> list[str]:
    """One deliberate difference: drop a cause, or add one of the codebook's ``known``."""
    if causes and rng.random() < 0.5:
        return [c for c in causes if c != rng.choice(causes)]
    extra = rng.choice([c for c in known if c not in causes] or list(known))
    return [*causes, extra]


def simulate_analysts(
    sheet_path: Path,
    facit: pd.DataFrame,
    *,
    causes: Sequence[str],
    seed: int,
    share_first: float = 0.6,
    share_second: float = 0.25,
) -> int:
    """Fill analyst 1's columns for about ``share_first`` of the facit's cases and analyst 2's
    for about ``share_second`` (a subset of analyst 1's), with a few deliberate differences,
    and approve some quotes (where the facit allows). Only rows with every analyst column
    empty are touched. ``facit``: case_id, causes (";"-joined), category, quote_ok (bool).
    Returns the number of rows filled.
    """
    sheet_path = Path(sheet_path)
    wb = load_workbook(sheet_path)
    if SHEET not in wb.sheetnames:
        raise InputError(sheet_path, f"has no sheet named {SHEET}", "Rename the coding sheet back")
    ws = wb[SHEET]
    keys = header_map(ws, sheet_path)
    analyst_cols = [col for key, col in keys.items() if key.startswith(("a1:", "a2:"))]
    truth = {
        str(r["case_id"]): r
        for _, r in facit.iterrows()
        if isinstance(r["case_id"], str) and r["case_id"]
    }
    rng = random.Random(seed)
    second_given_first = min(1.0, share_second / share_first) if share_first > 0 else 0.0
    filled = 0
    for r in range(2, ws.max_row + 1):
        case_id = ws.cell(row=r, column=keys["case_id"]).value
        if case_id is None or str(case_id) not in truth:
            continue
        draw_first, draw_second, draw_slip1, draw_slip2, draw_quote = (
            rng.random() for _ in range(5)
        )
        if any(ws.cell(row=r, column=c).value not in (None, "") for c in analyst_cols):
            continue
        if draw_first >= share_first:
            continue
        fact = truth[str(case_id)]
        truth_causes = [c for c in str(fact["causes"] or "").split(";") if c in causes]
        first = _slip(truth_causes, rng, causes) if draw_slip1 < _SLIP_FIRST else truth_causes
        _tick_causes(ws, r, keys, "a1", first)
        category = fact.get("category")
        if isinstance(category, str) and category and "a1:category" in keys:
            ws.cell(row=r, column=keys["a1:category"], value=category)
        if bool(fact.get("quote_ok")) and draw_quote < 0.5 and "a1:quote_ok" in keys:
            ws.cell(row=r, column=keys["a1:quote_ok"], value="x")
        if draw_second < second_given_first:
            second = _slip(truth_causes, rng, causes) if draw_slip2 < _SLIP_SECOND else truth_causes
            _tick_causes(ws, r, keys, "a2", second)
        if fact.get("system") == "form":
            _follow_up(ws, r, keys, random.Random(f"{seed}|{case_id}"))
        filled += 1
    props = wb.properties
    write_bytes_atomic(
        sheet_path, workbook_bytes(wb, created=props.created, modified=props.modified)
    )
    private_file(sheet_path)  # the analysts' sheet is private, as the product writes it
    log.info("demo analysts filled %d rows", filled)
    return filled


def _follow_up_settings() -> dict:
    """texts.yaml ``analyst_follow_up`` of the demo's data."""
    from samverkan_dev.demo.generator import data_dir

    return (load_yaml(data_dir() / "texts.yaml") or {}).get("analyst_follow_up") or {}


def _follow_up(ws, row: int, keys: dict[str, int], rng: random.Random) -> None:
    """The group's follow-up of a form case (the form has no follow-up field of its own):
    for some cases an outcome the group learnt at its meeting and the feedback day, at
    most ``export_lag_days`` after the term (texts.yaml ``analyst_follow_up``). A random
    stream of the row's own, so the codes drawn above stay as they were."""
    fu = _follow_up_settings()
    if not fu or "fu:outcome" not in keys or rng.random() >= fu["share"]:
        return
    received = ws.cell(row=row, column=keys["received"]).value
    term = ws.cell(row=row, column=keys["term"]).value
    if not isinstance(received, dt.datetime) or not term:
        return
    days = round(rng.lognormvariate(math.log(fu["median_days"]), fu["spread"]))
    day = received.date() + dt.timedelta(days=max(1, days))
    if day <= parse_term(str(term)).end + dt.timedelta(days=fu["export_lag_days"]):
        ws.cell(row=row, column=keys["fu:feedback"], value=day).number_format = "yyyy-mm-dd"
    ws.cell(row=row, column=keys["fu:outcome"], value=rng.choice(fu["outcomes"]))


def _tick_causes(ws, row: int, keys: dict[str, int], analyst: str, causes: list[str]) -> None:
    if not causes:
        if f"{analyst}:none" in keys:
            ws.cell(row=row, column=keys[f"{analyst}:none"], value="x")
        return
    for cause in causes:
        key = f"{analyst}:{cause}"
        if key in keys:
            ws.cell(row=row, column=keys[key], value="x")
