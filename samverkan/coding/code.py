"""The coding stage: auto suggestions + the analysts' sheet -> coded cases and agreement figures."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from samverkan.coding import suggest
from samverkan.coding.agreement import agreement_summary
from samverkan.coding.codebook import Codebook, codebook_path, load_codebook
from samverkan.coding.learned import CauseModel, train_project_model
from samverkan.coding.sheet import SheetUpdate, read_sheet, update_sheet
from samverkan.project.atomic import atomic_path, write_text_atomic
from samverkan.project.errors import InputError
from samverkan.project.memo import cache_dir
from samverkan.project.schema import cases_schema, coded_cases_schema
from samverkan.project.settings import load_yaml
from samverkan.project.vocabulary import Vocabulary, load_vocabulary

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


def _redactor() -> Callable[[str], str]:
    """The redactor. Fails closed: without it no approved quote may be published."""
    try:
        from samverkan.privacy import redact
    except ImportError as exc:
        missing = f" (modulen {exc.name} saknas)" if exc.name else ""
        raise InputError(
            "samverkan.privacy",
            f"avidentifieringen kan inte köras{missing}: inga citat publiceras",
            "Kör make setup",
        ) from None
    return redact


class _LazyRedactor:
    """Re-redacts approved quotes; the redactor is loaded at the first quote."""

    def __init__(self) -> None:
        self._redact: Callable[[str], str] | None = None

    def __call__(self, text: str) -> str:
        if self._redact is None:
            self._redact = _redactor()
        return self._redact(text)


def _join(ids: set[str], cause_ids: list[str]) -> str:
    """The cause ids of ``ids`` ";"-joined in codebook order."""
    return ";".join(c for c in cause_ids if c in ids)


def _manual_rows(sheet: pd.DataFrame | None) -> dict[str, pd.Series]:
    """The sheet's rows by case id (empty without a sheet)."""
    if sheet is None or not len(sheet):
        return {}
    return {str(r["case_id"]): r for _, r in sheet.iterrows()}


def _coder(m: pd.Series | None) -> str | None:
    """Whose codes count: analyst 1 when they coded the row, else analyst 2, else nobody."""
    if m is None:
        return None
    if bool(m.get("a1_coded", False)):
        return "a1"
    return "a2" if bool(m.get("a2_coded", False)) else None


def _causes(
    m: pd.Series | None, auto: set[str], cause_ids: list[str]
) -> tuple[set[str], object, str]:
    """(final causes, manual_causes column value, coding): manual codes win."""
    who = _coder(m)
    if who is None:
        return set(auto), pd.NA, "automatisk"
    final = {c for c in cause_ids if bool(m.get(f"{who}_{c}", False))}  # type: ignore[union-attr]
    return final, _join(final, cause_ids), "manuell"


def _category(m: pd.Series | None, row: pd.Series, suggested: str) -> tuple[str, str]:
    """(category, category_source): the analyst's, else the source's, else the suggestion."""
    if m is not None:
        for a in ("a1", "a2"):
            value = m.get(f"{a}_category")
            if value is not None and not pd.isna(value):
                return str(value), "manuell"
    if not pd.isna(row.get("category")):
        return str(row["category"]), "källa"
    return suggested, "automatisk"


def _quote(m: pd.Series | None, row: pd.Series, redact: Callable[[str], str]) -> tuple[bool, Any]:
    """(quote_approved, quote): the pasted excerpt, or else the description, re-redacted."""
    approved = bool(m.get("quote_approved", False)) if m is not None else False
    if not approved:
        return False, pd.NA
    pasted = m.get("quote")  # type: ignore[union-attr]
    text = str(pasted) if pasted is not None and not pd.isna(pasted) else str(row["description"])
    return True, redact(text)


def _corrected_texts(
    cases: pd.DataFrame, manual: dict[str, pd.Series], redact: Callable[[str], str]
) -> pd.DataFrame:
    """``cases`` with each description replaced by the analysts' "Korrigerad text" where
    they wrote one, re-redacted (what an analyst pastes is never trusted to be clean)."""
    texts = []
    for case_id, text in zip(cases["case_id"], cases["description"], strict=True):
        m = manual.get(str(case_id))
        own = m.get("corrected") if m is not None else None
        texts.append(redact(str(own)) if own is not None and not pd.isna(own) else text)
    out = cases.copy()
    out["description"] = pd.array(texts, dtype="string")
    return out


def no_outcome_values(config_dir: Path) -> frozenset[str]:
    """Texts that mean "nothing described" (config/sources.yaml ``no_action_values``),
    compared case-folded and space-collapsed: an analyst's "okänt" is no known outcome."""
    data = load_yaml(Path(config_dir) / "sources.yaml") or {}
    return frozenset(
        " ".join(str(v).split()).casefold() for v in data.get("no_action_values") or []
    )


def _follow_up(
    cases: pd.DataFrame,
    manual: dict[str, pd.Series],
    redact: Callable[[str], str],
    no_values: frozenset[str],
) -> pd.DataFrame:
    """``cases`` with the analysts' follow-up where they wrote one: their outcome text
    (re-redacted, like every text an analyst writes) and feedback date win over the
    export's; ``has_outcome`` follows the final outcome. A feedback date before the day
    the case came in stops the stage (a typo)."""
    outcome, feedback = list(cases["outcome"]), list(cases["feedback_date"])
    for i, case_id in enumerate(cases["case_id"]):
        m = manual.get(str(case_id))
        text = m.get("outcome") if m is not None else None
        if text is not None and not pd.isna(text):
            known = " ".join(str(text).split()).casefold() not in no_values
            outcome[i] = redact(str(text)) if known else pd.NA
        day = m.get("feedback_date") if m is not None else None
        if day is not None and not pd.isna(day):
            if day < cases["received"].iloc[i]:
                raise InputError(
                    SHEET_NAME,
                    f"bladet Kodning, ärende {case_id}: återkopplingen är daterad före dagen "
                    "då fallet kom in",
                    "Rätta datumet i kolumnen 'Återkoppling lämnad (datum)'",
                )
            feedback[i] = day
    out = cases.copy()
    out["outcome"] = pd.array(outcome, dtype="string")
    out["has_outcome"] = out["outcome"].notna() & (out["outcome"].str.strip() != "")
    out["feedback_date"] = pd.to_datetime(pd.Series(feedback, index=out.index))
    return out


def code_term(
    cases: pd.DataFrame,
    sheet: pd.DataFrame | None,
    codebook: Codebook,
    vocab: Vocabulary,
    model: CauseModel | None = None,
    no_values: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Coded cases of one term, valid under ``coded_cases_schema(vocab)``.

    Manual codes win: a case is "manuell" when analyst 1 (or analyst 2 when analyst 1 left the
    row empty) ticked at least one cause or "inga orsaker"; otherwise its causes are the
    automatic suggestions. The final category is the analyst's, else the source's, else the
    suggested one. A quote is kept only when approved: the pasted excerpt, or the whole
    description when none was pasted, re-redacted. Where the analysts corrected the text
    ("Korrigerad text"), the corrected text, re-redacted, is the description and is coded.
    ``model``: the learned suggestions (see :mod:`samverkan.coding.suggest`); rules only
    without one.
    The analysts' follow-up (outcome, feedback date) wins over the export's; an outcome
    text in ``no_values`` ("okänt") is no known outcome.
    """
    manual = _manual_rows(sheet)
    redact = _LazyRedactor()
    cases = _corrected_texts(cases.reset_index(drop=True), manual, redact)
    cases = _follow_up(cases, manual, redact, no_values)
    auto = suggest.suggest_causes(cases["description"].tolist(), codebook, model)
    suggested_cat = suggest.categorise(auto, codebook)
    cause_ids = codebook.cause_ids
    out_rows = []
    for i, row in cases.iterrows():
        m = manual.get(str(row["case_id"]))
        final, manual_causes, coding = _causes(m, auto[i], cause_ids)
        category, source = _category(m, row, suggested_cat[i])
        approved, quote = _quote(m, row, redact)
        out_rows.append(
            {
                "category": category,
                "category_source": source,
                **{f"cause_{c}": c in final for c in cause_ids},
                "auto_causes": _join(auto[i], cause_ids),
                "manual_causes": manual_causes,
                "coding": coding,
                "quote_approved": approved,
                "quote": quote,
            }
        )
    coded = pd.concat(
        [cases.drop(columns=["category"]), pd.DataFrame(out_rows, index=cases.index)], axis=1
    )
    return coded_cases_schema(vocab).validate(coded)


def _read_cases(processed_dir: Path, vocab: Vocabulary) -> pd.DataFrame:
    path = Path(processed_dir) / "cases.parquet"
    if not path.exists():
        raise InputError(
            path, "fallen för terminen saknas", "Kör först samverkan ingest för terminen"
        )
    return cases_schema(vocab).validate(pd.read_parquet(path))


def run_sheet_stage(
    term: str, processed_dir: Path, coding_dir: Path, *, config_dir: Path
) -> SheetUpdate:
    """Create or extend data/coding/TERM/kodning.xlsx from the term's cases.

    Never overwrites an analyst's edit (see :func:`samverkan.coding.sheet.update_sheet`).
    """
    codebook = load_codebook(codebook_path(config_dir))
    cases = _read_cases(Path(processed_dir), load_vocabulary(config_dir))
    model = train_project_model(Path(coding_dir).parent, codebook)
    result = update_sheet(cases, Path(coding_dir) / SHEET_NAME, codebook, model)
    log.info("kodningsarket för %s: %d rader, %d nya", term, result.n_rows, result.added)
    return result


def _write_outputs(processed_dir: Path, coded: pd.DataFrame, summary: dict) -> tuple[Path, Path]:
    """coded_cases.parquet and agreement.json (sorted keys), each written atomically."""
    coded_path = processed_dir / "coded_cases.parquet"
    with atomic_path(coded_path) as tmp:
        coded.to_parquet(tmp, index=False)
    agreement_path = processed_dir / "agreement.json"
    write_text_atomic(
        agreement_path, json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
    return coded_path, agreement_path


def run_code_stage(
    term: str, processed_dir: Path, coding_dir: Path, *, config_dir: Path, min_cases: int
) -> CodeResult:
    """Code one term: read cases and (if it exists) the analysts' sheet; write coded_cases.parquet
    and agreement.json in ``processed_dir``. The sheet is only read, never created here.

    ``min_cases`` is the fewest cases for an agreement figure (params.yaml
    coding.min_cases_for_agreement).
    """
    processed_dir, coding_dir = Path(processed_dir), Path(coding_dir)
    codebook = load_codebook(codebook_path(config_dir))
    vocab = load_vocabulary(config_dir)
    cases = _read_cases(processed_dir, vocab)
    sheet_path = coding_dir / SHEET_NAME
    sheet = read_sheet(sheet_path, codebook) if sheet_path.exists() else None
    if sheet is None:
        log.info("inget kodningsark för %s ännu: bara automatisk kodning", term)
    elif sheet["corrected"].notna().any():
        log.info(
            "%d fall kodas på analytikernas korrigerade text", int(sheet["corrected"].notna().sum())
        )
    # the model learns from every term's hand coding (data/coding/*/kodning.xlsx)
    model = train_project_model(coding_dir.parent, codebook)
    coded = code_term(cases, sheet, codebook, vocab, model, no_outcome_values(config_dir))
    summary = agreement_summary(coded, sheet, codebook.cause_ids, min_cases=min_cases)
    # the same figures for every term: fitted once (samverkan.project.memo)
    memo = cache_dir(Path(config_dir).parent) / "suggestion-quality.json"
    summary["suggestions"] = suggest.leave_one_term_out(coding_dir.parent, codebook, memo)
    coded_path, agreement_path = _write_outputs(processed_dir, coded, summary)
    log.info("kodade %s: %d fall, %d manuellt", term, summary["n_cases"], summary["n_manual"])
    return CodeResult(
        coded_path=coded_path,
        agreement_path=agreement_path,
        n_cases=summary["n_cases"],
        n_manual=summary["n_manual"],
        n_auto_only=summary["n_auto_only"],
        sheet_found=sheet is not None,
    )
