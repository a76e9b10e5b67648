"""The suggestion step: the codebook's rules and the learned model, blended and explained.

Why a blend: the rules (:mod:`samverkan.coding.autocode`) are precise on the phrasings they
know and say exactly which words triggered them; the model (:mod:`samverkan.coding.learned`)
reaches phrasings nobody wrote a trigger for, learned from the analysts' own coding. A cause is
suggested when its rules fire or the model's probability reaches the cause's threshold.

Each suggestion says why and how sure it is, so that an analyst can judge and filter it:

- ``stark`` (strong): the rules and the model agree, or the model alone is very sure
  (probability at least the codebook's ``modell.stark``);
- ``möjlig`` (possible): only the rules, or only the model near its threshold.

The words shown are the rule's matched words, else the model's strongest words in the text.
Large batches are split into chunks and coded in parallel worker processes, forked after the
matcher and the caches are built so that the workers share them and only ranges of the texts
and the found causes (as bit masks) pass between processes (joblib's fresh processes where the
system cannot fork); the result is the same as coding them in one process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed

from samverkan.coding import learned
from samverkan.coding.autocode import _matcher
from samverkan.coding.codebook import Codebook
from samverkan.coding.learned import CauseModel
from samverkan.project.cores import workers
from samverkan.project.tuning import fewer_collections

STRONG = "stark"
POSSIBLE = "möjlig"
_CHUNK = 20_000
_TASK = 5_000  # texts per task of a forked worker: small, so that the workers end together
_PARALLEL_FROM = 50_000  # texts; below this one process is faster than forking workers
_SPAWN_FROM = 200_000  # the same where workers cannot fork (they start afresh: slower)


@dataclass(frozen=True)
class Suggestion:
    """One suggested cause: the words behind it and how sure the suggestion is."""

    cause: str
    words: str
    strength: str  # STRONG or POSSIBLE
    probability: float | None  # the model's, None when the cause has no model


def _model_hits(
    model: CauseModel | None, texts: Sequence[str], words: Sequence[list[str]] | None = None
) -> list[dict[str, float]]:
    """{cause: probability} of the causes the model suggests, per text (``words``: each
    text's words, when read already)."""
    if model is None or not texts:
        return [{} for _ in texts]
    prob = model.probabilities(texts, words)
    thr = np.array([model.thresholds[c] for c in model.causes])
    out: list[dict[str, float]] = [{} for _ in texts]
    rows, cols = np.nonzero(prob >= thr)  # row-major: each text's causes in model order
    for i, k, p in zip(rows.tolist(), cols.tolist(), prob[rows, cols].tolist(), strict=True):
        out[i][model.causes[k]] = p
    return out


def _causes_chunk(
    texts: Sequence[str], codebook: Codebook, model: CauseModel | None
) -> list[set[str]]:
    # the rules read each text once for themselves and for the model
    read = _matcher(codebook).code_many(texts)
    rules = [causes for causes, _ in read]
    if model is None:
        return rules
    hits = _model_hits(model, texts, [words for _, words in read])
    for found, more in zip(rules, hits, strict=True):
        found.update(more)
    return rules


def _causes_part(
    texts: Sequence[str], codebook: Codebook, model: CauseModel | None
) -> list[set[str]]:
    """One process's share, in chunks (the sparse matrix of a chunk stays small)."""
    out: list[set[str]] = []
    for i in range(0, len(texts), _CHUNK):
        out += _causes_chunk(texts[i : i + _CHUNK], codebook, model)
    return out


# what the forked workers code: (texts, codebook, model), set only while a pool runs
_JOB: tuple[Sequence[str], Codebook, CauseModel | None] | None = None


def _forked_range(bounds: tuple[int, int]) -> list[int]:
    """In a forked worker: the causes of texts[start:end] of ``_JOB``, each set as a bit
    mask over the codebook's causes (small to send back)."""
    assert _JOB is not None
    texts, codebook, model = _JOB
    bit = {c: 1 << i for i, c in enumerate(codebook.cause_ids)}
    found = _causes_chunk(texts[bounds[0] : bounds[1]], codebook, model)
    return [sum(bit[c] for c in causes) for causes in found]


def _forked(texts: list[str], codebook: Codebook, model: CauseModel | None, jobs: int) -> list:
    """The causes of ``texts`` over ``jobs`` forked workers, in the order of ``texts``. The
    workers inherit the texts, the model and the warmed matcher and lemma caches, so
    nothing but ranges and bit masks is pickled."""
    global _JOB
    _causes_chunk(texts[:200], codebook, model)  # warm up the caches before forking
    _matcher(codebook).use_prefilter()  # and compile RE2's set once for all the workers
    step = min(_CHUNK, _TASK)
    bounds = [(i, min(i + step, len(texts))) for i in range(0, len(texts), step)]
    _JOB = (texts, codebook, model)
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            masks = [m for part in pool.map(_forked_range, bounds) for m in part]
    finally:
        _JOB = None
    ids = codebook.cause_ids
    decoded = {m: tuple(c for i, c in enumerate(ids) if m >> i & 1) for m in set(masks)}
    return [set(decoded[m]) for m in masks]


def suggest_causes(
    texts: Sequence[str], codebook: Codebook, model: CauseModel | None = None
) -> list[set[str]]:
    """The suggested cause ids of each text: rule hits and model hits (fast path).

    From ``_PARALLEL_FROM`` texts on (``_SPAWN_FROM`` without fork), the texts are coded in
    chunks by worker processes, forked (where the system can) after the matcher is built, so
    that the workers share it; the result is the same as in one process.
    """
    texts = list(texts)
    jobs = min(workers(), max(len(texts) // _CHUNK, 1))
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    with fewer_collections():  # (forked workers inherit it)
        if len(texts) < (_PARALLEL_FROM if can_fork else _SPAWN_FROM) or jobs < 2:
            return _causes_part(texts, codebook, model)
        if can_fork:
            return _forked(texts, codebook, model, jobs)
    size = -(-len(texts) // jobs)
    parts = [texts[i : i + size] for i in range(0, len(texts), size)]
    done = Parallel(n_jobs=jobs)(delayed(_causes_part)(p, codebook, model) for p in parts)
    return [c for part in done for c in part]


def _one(
    text: str, rules: dict[str, str], hits: dict[str, float], model: CauseModel | None
) -> dict[str, Suggestion]:
    """The explained suggestions of one text."""
    out: dict[str, Suggestion] = {}
    modelled = set(model.causes) if model is not None else set()
    for cause in sorted(rules.keys() | hits.keys()):
        prob = hits.get(cause)
        if prob is None and cause in modelled:
            prob = float(model.probabilities([text])[0, model.causes.index(cause)])  # type: ignore[union-attr]
        agree = cause in rules and prob is not None and prob >= 0.5
        strong = agree or (cause in hits and prob is not None and prob >= model.strong)  # type: ignore[union-attr]
        words = rules.get(cause) or (model.evidence(text, cause) if model is not None else "")
        out[cause] = Suggestion(cause, words, STRONG if strong else POSSIBLE, prob)
    return out


def explain(
    texts: Sequence[str], codebook: Codebook, model: CauseModel | None = None
) -> list[dict[str, Suggestion]]:
    """Per text, {cause id: Suggestion} (for the analysts' sheet; slower than
    :func:`suggest_causes`, which gives the same causes)."""
    m = _matcher(codebook)
    texts = [t if isinstance(t, str) else "" for t in texts]
    hits = _model_hits(model, texts)
    return [_one(t, m.explain(t), h, model) for t, h in zip(texts, hits, strict=True)]


def categorise(causes: Sequence[set[str]], codebook: Codebook) -> list[str]:
    """The category each set of causes points to (see ``_Matcher.category``)."""
    m = _matcher(codebook)
    seen: dict[frozenset[str], str] = {}  # few distinct sets among many texts
    out = []
    for found in causes:
        key = frozenset(found)
        cat = seen.get(key)
        if cat is None:
            cat = seen[key] = m.category(found)
        out.append(cat)
    return out


def leave_one_term_out(
    coding_root: Path | None, codebook: Codebook, memo: Path | None = None
) -> dict[str, Any]:
    """How well the suggestions agree with the analysts on a term they were not trained on.

    For every term with hand-coded cases, the model is fitted on the codebook's examples and
    the other terms' coded cases only, and the suggestions for that term's coded cases are
    compared with the analysts' codes; the figures are pooled over all terms (micro). The
    rules alone are scored the same way, for comparison.

    The figures are the same for every term's code stage (one model fit per coded term):
    with ``memo`` (a JSON file), they are kept there under a digest of the coded cases, the
    codebook, the coding code and the libraries' versions, and taken from it when all are
    the same (samverkan.project.memo). Only the figures are kept, no text.
    """
    by_term = {
        path.parent.name: learned.sheet_examples(path, codebook, path.parent.name)
        for path in (learned.project_sheets(coding_root) if coding_root is not None else [])
    }
    by_term = {term: ex for term, ex in by_term.items() if ex}
    if memo is None:
        return _leave_one_term_out(by_term, codebook)
    from samverkan.project.memo import JsonMemo

    key = _quality_key(by_term, codebook)
    store = JsonMemo(memo, limit=_MEMO_ENTRIES)
    result = store.get(key)
    if not isinstance(result, dict):
        result = _leave_one_term_out(by_term, codebook)
        store.put(key, result)
        store.save()
    return result


_MEMO_ENTRIES = 64
# what the figures depend on besides the cases and the codebook
_QUALITY_LIBRARIES = ("scikit-learn", "numpy", "scipy", "simplemma")


def _quality_key(by_term: dict[str, list[learned.Example]], codebook: Codebook) -> str:
    import hashlib
    import json

    from samverkan.project.memo import code_digest, stable

    cases = {
        term: [[e.text, sorted(e.causes), e.group] for e in examples]
        for term, examples in by_term.items()
    }
    digest = hashlib.sha256(code_digest(("coding", "privacy", "project"), _QUALITY_LIBRARIES))
    digest.update(json.dumps(stable(cases), ensure_ascii=False).encode())
    digest.update(codebook.model_dump_json().encode())
    return digest.hexdigest()


def _leave_one_term_out(
    by_term: dict[str, list[learned.Example]], codebook: Codebook
) -> dict[str, Any]:
    from samverkan.coding.autocode import auto_code

    blend: list[tuple[set[str], set[str]]] = []
    rules: list[tuple[set[str], set[str]]] = []
    for term, held_out in by_term.items():
        train = learned.codebook_examples(codebook)
        train += [e for other, ex in by_term.items() if other != term for e in ex]
        model = learned.fit_model(train, codebook)
        texts = [e.text for e in held_out]
        want = [set(e.causes) for e in held_out]
        blend += zip(want, suggest_causes(texts, codebook, model), strict=True)
        rules += zip(want, auto_code(texts, codebook), strict=True)
    return {
        "n_cases": len(blend),
        "n_terms": len(by_term),
        "blend": learned.micro_prf(blend),
        "rules_only": learned.micro_prf(rules),
    }
