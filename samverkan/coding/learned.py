"""Cause suggestions that learn from the analysts' own coding (as NVivo's pattern-based coding).

Why: the codebook's rules catch how causes are usually written and explain each suggestion,
but they miss phrasings nobody wrote a trigger for. A linear model trained on every case the
analysts have coded by hand in the project's sheets (``data/coding/*/kodning.xlsx``) and on
the codebook's own example sentences picks up the words the analysts' decisions rest on, and
it improves as the analysts code more.

- Features: lemma unigrams and bigrams (simplemma, cached per token), lemmas shortly after a
  negation (``ingen frågade`` -> ``n:fråga``), and character 3- to 5-grams inside each folded
  word (inflections, compounds, typos). TF-IDF with sublinear counts.
- One logistic regression per cause (liblinear, balanced class weights): deterministic, no
  download, fitted in a second on a few thousand cases. A cause needs at least
  ``_MIN_POSITIVES`` coded cases before it gets a model; until then only its rules suggest it.
- The probability a cause needs is calibrated per cause by stratified cross-validation on the
  training cases (the F1-best threshold), within the codebook's bounds (``modell:``).
- Blend (see :mod:`samverkan.coding.suggest`): rules and model together; a suggestion is
  strong when both agree or the model alone is very sure.
- Speed: a text's vector is the sum of its tokens' cached vectors (character n-grams stay
  inside words), so :meth:`CauseModel.scores` does a few dictionary look-ups per token and one
  sparse product per batch; it equals the fitted ``TfidfVectorizer`` (a test checks).
"""

from __future__ import annotations

import logging
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import simplemma
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from samverkan.coding.autocode import auto_code, fold_lower
from samverkan.coding.codebook import Codebook

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\[[A-ZÅÄÖa-zåäö_\- ]{2,30}\]")
_WORD = re.compile(r"\w+")
_NEGATIONS = frozenset({"inte", "ej", "ingen", "inget", "inga", "aldrig", "utan", "varken"})
_NEG_REACH = 3  # words after a negation that are marked as negated
_CHAR_N = (3, 5)
_MIN_POSITIVES = 3
_SHEET_NAME = "kodning.xlsx"


@dataclass(frozen=True)
class Example:
    """One training text and the causes it carries (empty: coded as no cause)."""

    text: str
    causes: frozenset[str]
    group: str  # the term of a sheet case, "kodbok" for the codebook's examples


def _tokens(text: str) -> list[str]:
    if "[" in text:
        text = _PLACEHOLDER.sub(" ", text)
    return _WORD.findall(text.lower())


_LEMMAS: dict[str, str] = {}


def _lemma(tok: str) -> str:
    """The folded simplemma lemma of a lower-cased token (cached)."""
    lem = _LEMMAS.get(tok)
    if lem is None:
        lem = tok if tok.isdigit() else fold_lower(simplemma.lemmatize(tok, lang="sv").lower())
        if len(_LEMMAS) > 500_000:
            _LEMMAS.clear()
        _LEMMAS[tok] = lem
    return lem


def _token_features(tok: str) -> list[str]:
    """The features one token carries whatever its neighbours: its lemma and its characters."""
    lem = _lemma(tok)
    word = f" {fold_lower(tok)} "
    lo, hi = _CHAR_N
    grams = ["c:" + word[i : i + n] for n in range(lo, hi + 1) for i in range(len(word) - n + 1)]
    return ["w:" + lem, *grams]


def _context_features(lemmas: Sequence[str], toks: Sequence[str]) -> list[str]:
    """Features that depend on neighbours: lemma bigrams and negated lemmas."""
    out = [f"b:{a} {b}" for a, b in pairwise(lemmas)]
    reach = 0
    for tok, lem in zip(toks, lemmas, strict=True):
        if tok in _NEGATIONS:
            reach = _NEG_REACH
        elif reach:
            out.append("n:" + lem)
            reach -= 1
    return out


def analyze(text: str) -> list[str]:
    """Every feature of one text (the analyzer of the fitted vectorizer)."""
    toks = _tokens(text)
    feats: list[str] = []
    for tok in toks:
        feats += _token_features(tok)
    return feats + _context_features([_lemma(t) for t in toks], toks)


def _calibrated_threshold(
    x: sp.csr_matrix, y: np.ndarray, ruled: np.ndarray, c: float, codebook: Codebook
) -> float:
    """The probability the model needs to add a cause the rules did not find: the one whose
    blend (rules or model) has the best F1 in stratified cross-validation on the training
    cases, within the codebook's bounds; on a tie the higher (the rules are preferred)."""
    settings = codebook.model
    folds = min(5, int(y.sum()), int(len(y) - y.sum()))
    if folds < 2:
        return settings.threshold
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    prob = cross_val_predict(_classifier(c), x, y, cv=cv, method="predict_proba")[:, 1]
    best, best_f1 = settings.max_threshold, -1.0
    steps = np.arange(settings.max_threshold, settings.min_threshold - 1e-9, -0.05)
    for t in steps:
        pred = ruled | (prob >= t)
        tp = int((pred & (y == 1)).sum())
        f1 = 2 * tp / (int(pred.sum()) + int(y.sum())) if tp else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(t), f1
    return round(best, 2)


def _classifier(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000)


@dataclass
class CauseModel:
    """The fitted vectorizer and one linear model per cause that had enough cases."""

    causes: list[str]  # causes with a model, in codebook order
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (n_features, n_causes)
    intercept: np.ndarray  # (n_causes,)
    thresholds: dict[str, float]
    strong: float
    n_examples: int
    _tok_cache: dict[str, tuple[str, array]] = field(default_factory=dict)
    _ctx_cache: dict[tuple[str, str], int] = field(default_factory=dict)

    def _token(self, tok: str) -> tuple[str, array]:
        cached = self._tok_cache.get(tok)
        if cached is None:
            vocab = self.vocabulary
            ids = array("i", (vocab[f] for f in _token_features(tok) if f in vocab))
            cached = (_lemma(tok), ids)
            if len(self._tok_cache) > 300_000:
                self._tok_cache.clear()
            self._tok_cache[tok] = cached
        return cached

    def _ctx(self, key: tuple[str, str]) -> int:
        """The column of a context feature: (lemma before, lemma) for a bigram, ("", lemma)
        for a negated lemma; -1 when the model does not know it (cached)."""
        idx = self._ctx_cache.get(key)
        if idx is None:
            name = f"b:{key[0]} {key[1]}" if key[0] else "n:" + key[1]
            idx = self.vocabulary.get(name, -1)
            if len(self._ctx_cache) > 300_000:
                self._ctx_cache.clear()
            self._ctx_cache[key] = idx
        return idx

    def _row(self, text: str, out: array) -> None:
        """Append the feature ids (repeated per occurrence) of one text to ``out``: the
        features of :func:`analyze`, looked up per token (the hot loop, kept flat)."""
        cache, ctx_cache = self._tok_cache, self._ctx_cache
        prev, reach = "", 0
        for tok in _tokens(text):
            hit = cache.get(tok)
            if hit is None:
                hit = self._token(tok)
            lem = hit[0]
            out.extend(hit[1])
            if prev:
                idx = ctx_cache.get((prev, lem))
                if idx is None:
                    idx = self._ctx((prev, lem))
                if idx >= 0:
                    out.append(idx)
            if tok in _NEGATIONS:
                reach = _NEG_REACH
            elif reach:
                reach -= 1
                idx = self._ctx(("", lem))
                if idx >= 0:
                    out.append(idx)
            prev = lem or " "

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` (sublinear counts, l2-normalised): the vectorizer's output."""
        ids = array("i")  # C ints, extended by the cached arrays of the tokens (memcpy)
        indptr = [0]
        for text in texts:
            if isinstance(text, str) and text:
                self._row(text, ids)
            indptr.append(len(ids))
        cols = np.frombuffer(ids, dtype=np.intc) if ids else np.zeros(0, dtype=np.intc)
        counts = np.ones(len(cols), dtype=np.int32)  # summed exactly, then as float64
        x = sp.csr_matrix((counts, cols, np.asarray(indptr)), shape=(len(texts), len(self.idf)))
        # sum the repeated features: by way of CSC, whose conversions sort by counting (linear)
        # instead of sorting every row (the canonical CSR is the same either way)
        x = x.tocsc()
        x.sum_duplicates()
        x = x.tocsr()
        x = x.astype(np.float64)
        x.data = (np.log(x.data) + 1.0) * self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.diags(1.0 / norms) @ x

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(n_texts, n_causes) probability of each modelled cause."""
        if not self.causes:
            return np.zeros((len(texts), 0))
        scores = self.transform(texts) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-scores))

    def evidence(self, text: str, cause: str, top: int = 3) -> str:
        """The words of ``text`` that speak most for ``cause``, strongest first: each word
        scored by what its own features (lemma and character n-grams) add to the cause."""
        k = self.causes.index(cause)
        x = self.transform([text])
        weight = dict(
            zip(x.indices.tolist(), (x.data * self.coef[x.indices, k]).tolist(), strict=True)
        )
        scored: dict[str, float] = {}
        for tok in _WORD.findall(_PLACEHOLDER.sub(" ", text)):
            ids = set(self._token(tok.lower())[1])
            scored.setdefault(tok, sum(weight.get(i, 0.0) for i in ids))
        best = sorted((w for w in scored if scored[w] > 0), key=lambda w: -scored[w])
        return ", ".join(best[:top])


def fit_model(examples: Sequence[Example], codebook: Codebook) -> CauseModel | None:
    """Fit the vectorizer and one model per cause with enough coded cases (None without any
    cause that has, or when the codebook turns the model off)."""
    settings = codebook.model
    if not settings.enabled or not examples:
        return None
    texts = [e.text for e in examples]
    vec = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, min_df=2, dtype=np.float64)
    try:
        x = vec.fit_transform(texts).tocsr()
    except ValueError:  # no feature occurs twice: nothing to learn from
        return None
    causes, coefs, intercepts, thresholds = [], [], [], {}
    rules = auto_code(texts, codebook)
    for cause in codebook.cause_ids:
        y = np.array([cause in e.causes for e in examples], dtype=int)
        if y.sum() < _MIN_POSITIVES or y.sum() == len(y):
            continue
        clf = _classifier(settings.c).fit(x, y)
        causes.append(cause)
        coefs.append(clf.coef_[0])
        intercepts.append(clf.intercept_[0])
        ruled = np.array([cause in r for r in rules], dtype=bool)
        thresholds[cause] = _calibrated_threshold(x, y, ruled, settings.c, codebook)
    if not causes:
        return None
    names = vec.get_feature_names_out().tolist()
    log.debug("förslagsmodellen tränad på %d fall (%d orsaker)", len(examples), len(causes))
    return CauseModel(
        causes=causes,
        vocabulary={n: i for i, n in enumerate(names)},
        idf=vec.idf_.astype(np.float64),
        coef=np.vstack(coefs).T,
        intercept=np.array(intercepts),
        thresholds=thresholds,
        strong=settings.strong,
        n_examples=len(examples),
    )


def codebook_examples(codebook: Codebook) -> list[Example]:
    """The codebook's example sentences (each shows its cause) and its no-cause examples."""
    out = [
        Example(text, frozenset({cause.id}), "kodbok")
        for cause in codebook.causes
        for text in cause.examples
    ]
    return out + [Example(t, frozenset(), "kodbok") for t in codebook.negative_examples]


def sheet_examples(sheet_path: Path, codebook: Codebook, group: str) -> list[Example]:
    """The cases coded by hand in one coding sheet: analyst 1's codes where A1 coded the row,
    else analyst 2's (the rule the coding stage uses); the analysts' corrected text where
    they wrote one. Rows flagged as gone from the data are left out."""
    from samverkan.coding.sheet import _RowReader, _sheet_rows

    rows, _ = _sheet_rows(sheet_path)
    reader = _RowReader.of(sheet_path, rows, codebook)
    out = []
    for r, row in enumerate(rows[1:], start=2):
        case_id = reader.cell(row, "case_id")
        if case_id is None or not str(case_id).strip():
            continue
        rec = reader.record(row, r, str(case_id).strip())
        who = "a1" if rec["a1_coded"] else "a2" if rec["a2_coded"] else None
        text = rec["corrected"] or reader.cell(row, "description")
        if who is None or rec["removed"] or not isinstance(text, str) or not text.strip():
            continue
        causes = frozenset(c for c in codebook.cause_ids if rec[f"{who}_{c}"])
        out.append(Example(text, causes, group))
    return out


def project_sheets(coding_root: Path) -> list[Path]:
    """Every term's coding sheet under ``data/coding`` (sorted: a fixed training order)."""
    root = Path(coding_root)
    return sorted(p for p in root.glob(f"*/{_SHEET_NAME}") if p.is_file())


def project_examples(coding_root: Path | None, codebook: Codebook) -> list[Example]:
    """The codebook's examples and every hand-coded case of the project's sheets."""
    out = codebook_examples(codebook)
    for path in project_sheets(coding_root) if coding_root is not None else []:
        out += sheet_examples(path, codebook, path.parent.name)
    return out


def train_project_model(coding_root: Path | None, codebook: Codebook) -> CauseModel | None:
    """The model the pipeline uses: trained on :func:`project_examples`."""
    examples = project_examples(coding_root, codebook)
    model = fit_model(examples, codebook)
    if model is not None:
        n_sheet = sum(e.group != "kodbok" for e in examples)
        log.info(
            "förslagsmodellen tränad på %d handkodade fall och %d exempel ur kodboken",
            n_sheet,
            len(examples) - n_sheet,
        )
    return model


def micro_prf(pairs: Iterable[tuple[set[str], set[str]]]) -> dict[str, float | int]:
    """Micro precision, recall and F1 over (expected, got) pairs of cause sets."""
    tp = fp = fn = 0
    for want, got in pairs:
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "n": tp + fn}
