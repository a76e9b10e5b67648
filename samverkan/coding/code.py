"""The coding stage: auto suggestions + the analysts' sheet -> coded cases and agreement figures."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samverkan.coding.agreement import agreement_summary
from samverkan.coding.autocode import code_and_categorise
from samverkan.coding.codebook import Codebook, load_codebook
from samverkan.coding.sheet import SheetUpdate, read_sheet, update_sheet
from samverkan.project.atomic import atomic_path, write_text_atomic
from samverkan.project.errors import InputError
from samverkan.project.schema import CAUSES, CasesSchema, CodedCasesSchema

log = logging.getLogger(__name__)

SHEET_NAME = "kodning.xlsx"


@dataclass(frozen=True)
class CodeResult:
    """What :func:`run_code_stage` wrote."""

    coded_path: Path
    agreement_path: Path
    n_cases: int
    n_manual: int
    n_auto_only: int
    sheet_found: bool


def _redactor() -> Callable[[str], str] | None:
    """The redactor when it can be imported (imported lazily)."""
    try:
        from samverkan.privacy.redaction import redact
    except ImportError:
        log.warning(
            "samverkan.privacy.redaction is not available: approved quotes are not re-redacted"
        )
        return None
    return redact


def _join(ids: set[str]) -> str:
    return ";".join(c for c in CAUSES if c in ids)


def code_term(cases: pd.DataFrame, sheet: pd.DataFrame | None, codebook: Codebook) -> pd.DataFrame:
    """Coded cases of one term, valid under ``CodedCasesSchema``.

    Manual codes win: a case is "manuell" when analyst 1 (or analyst 2 when analyst 1 left the
    row empty) ticked at least one cause or "inga orsaker"; otherwise its causes are the
    automatic suggestions. The final category is the analyst's, else the source's, else the
    suggested one. A quote is kept only when approved: the pasted excerpt, or the whole
    description when none was pasted, re-redacted.
    """
    cases = cases.reset_index(drop=True)
    auto, suggested_cat = code_and_categorise(cases["description"].tolist(), codebook)
    manual: dict[str, pd.Series] = {}
    if sheet is not None and len(sheet):
        manual = {str(r["case_id"]): r for _, r in sheet.iterrows()}
    extra = [c for c in codebook.cause_ids if c not in CAUSES]
    if extra:
        log.warning("codebook causes not in the schema are left out of coded cases: %s", extra)
    redact = None
    out_rows = []
    for i, row in cases.iterrows():
        case_id = str(row["case_id"])
        m = manual.get(case_id)
        who = None
        if m is not None:
            who = (
                "a1"
                if bool(m.get("a1_coded", False))
                else ("a2" if bool(m.get("a2_coded", False)) else None)
            )
        if who:
            final = {c for c in CAUSES if bool(m.get(f"{who}_{c}", False))}
            manual_causes: object = _join(final)
            coding = "manuell"
        else:
            final = set(auto[i]) & set(CAUSES)
            manual_causes = pd.NA
            coding = "automatisk"
        category, source = None, None
        if m is not None:
            for a in ("a1", "a2"):
                value = m.get(f"{a}_category")
                if value is not None and not pd.isna(value):
                    category, source = str(value), "manuell"
                    break
        if category is None and not pd.isna(row.get("category")):
            category, source = str(row["category"]), "källa"
        if category is None:
            category, source = suggested_cat[i], "automatisk"
        approved = bool(m.get("quote_approved", False)) if m is not None else False
        quote: object = pd.NA
        if approved:
            pasted = m.get("quote")
            text = (
                str(pasted)
                if pasted is not None and not pd.isna(pasted)
                else str(row["description"])
            )
            if redact is None:
                redact = _redactor() or (lambda t: t)
            quote = redact(text)
        out_rows.append(
            {
                "category": category,
                "category_source": source,
                **{f"cause_{c}": c in final for c in CAUSES},
                "auto_causes": _join(auto[i]),
                "manual_causes": manual_causes,
                "coding": coding,
                "quote_approved": approved,
                "quote": quote,
            }
        )
    coded = pd.concat(
        [cases.drop(columns=["category"]), pd.DataFrame(out_rows, index=cases.index)], axis=1
    )
    return CodedCasesSchema.validate(coded)


def _read_cases(processed_dir: Path) -> pd.DataFrame:
    path = Path(processed_dir) / "cases.parquet"
    if not path.exists():
        raise InputError(
            path, "the cases of the term are missing", "Run samverkan ingest for the term first"
        )
    return CasesSchema.validate(pd.read_parquet(path))


def run_sheet_stage(
    term: str, processed_dir: Path, coding_dir: Path, codebook_path: Path
) -> SheetUpdate:
    """Create or extend data/coding/TERM/kodning.xlsx from the term's cases.

    Never overwrites an analyst's edit (see :func:`samverkan.coding.sheet.update_sheet`).
    """
    codebook = load_codebook(Path(codebook_path), strict=False)
    cases = _read_cases(Path(processed_dir))
    result = update_sheet(cases, Path(coding_dir) / SHEET_NAME, codebook)
    log.info("coding sheet of %s: %d rows, %d new", term, result.n_rows, result.added)
    return result


def run_code_stage(
    term: str,
    processed_dir: Path,
    coding_dir: Path,
    codebook_path: Path,
    *,
    min_cases: int | None = None,
) -> CodeResult:
    """Code one term: read cases and (if it exists) the analysts' sheet; write coded_cases.parquet
    and agreement.json in ``processed_dir``. The sheet is only read, never created here.

    ``min_cases`` (fewest cases for an agreement figure) defaults to params.yaml
    coding.min_cases_for_agreement of the project root, or 10.
    """
    processed_dir, coding_dir = Path(processed_dir), Path(coding_dir)
    codebook = load_codebook(Path(codebook_path), strict=False)
    cases = _read_cases(processed_dir)
    sheet_path = coding_dir / SHEET_NAME
    sheet = read_sheet(sheet_path, codebook) if sheet_path.exists() else None
    if sheet is None:
        log.info("no coding sheet for %s yet: automatic codes only", term)
    coded = code_term(cases, sheet, codebook)
    if min_cases is None:
        min_cases = _min_cases(Path(codebook_path))
    summary = agreement_summary(coded, sheet, min_cases=min_cases)
    coded_path = processed_dir / "coded_cases.parquet"
    with atomic_path(coded_path) as tmp:
        coded.to_parquet(tmp, index=False)
    agreement_path = processed_dir / "agreement.json"
    write_text_atomic(
        agreement_path, json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
    log.info("coded %s: %d cases, %d manual", term, summary["n_cases"], summary["n_manual"])
    return CodeResult(
        coded_path=coded_path,
        agreement_path=agreement_path,
        n_cases=summary["n_cases"],
        n_manual=summary["n_manual"],
        n_auto_only=summary["n_auto_only"],
        sheet_found=sheet is not None,
    )


def _min_cases(codebook_path: Path) -> int:
    """coding.min_cases_for_agreement from the params.yaml beside config/ (10 when absent)."""
    params = codebook_path.resolve().parent.parent / "params.yaml"
    if params.exists():
        from samverkan.project.settings import load_yaml

        value = ((load_yaml(params) or {}).get("coding") or {}).get("min_cases_for_agreement")
        if value is not None:
            return int(value)
    return 10
