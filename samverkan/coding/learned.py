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
- Speed: a text's features are its tokens' (character n-grams stay inside words, so each
  token's columns are kept in a table) plus its bigrams and negated lemmas; per batch
  :meth:`CauseModel.probabilities` looks each token up once in Python and does the rest in
  numpy and scipy (repeats counted by converting to CSC, in linear time), then one sparse
  product. It equals the fitted ``TfidfVectorizer``, and bit for bit the counts of
  :func:`analyze`'s features (tests check).
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


def words_of(text: object) -> list[str]:
    """The words the model reads in a text: the runs of word characters of the lower-cased
    text, placeholders removed (none in an empty text or a missing value). The auto-coder's
    reading gives the same (:meth:`samverkan.coding.autocode._Matcher.code_and_words`)."""
    return _tokens(text) if isinstance(text, str) and text else []


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
class _TokenTable:
    """Every token a model has read, by row: its feature columns (``feats[ptr[r]:ptr[r+1]]``),
    the id of its lemma, the id of what a bigram after it names as the lemma before (the
    lemma, or " " for an empty one) and whether it is a negation. Row 0 is unused (so that a
    row is never false). Lemma ids index ``lemmas``."""

    index: dict[str, int] = field(default_factory=dict)
    feats: array = field(default_factory=lambda: array("i"))
    ptr: array = field(default_factory=lambda: array("q", [0, 0]))
    lem: array = field(default_factory=lambda: array("i", [0]))
    before: array = field(default_factory=lambda: array("i", [0]))
    neg: array = field(default_factory=lambda: array("b", [0]))
    lemma_ids: dict[str, int] = field(default_factory=dict)
    lemmas: list[str] = field(default_factory=list)

    def lemma_id(self, lemma: str) -> int:
        lid = self.lemma_ids.get(lemma)
        if lid is None:
            lid = self.lemma_ids[lemma] = len(self.lemmas)
            self.lemmas.append(lemma)
        return lid

    def add(self, tok: str, vocab: dict[str, int]) -> int:
        """The row of a new lower-cased token."""
        lem = _lemma(tok)
        self.feats.extend(vocab[f] for f in _token_features(tok) if f in vocab)
        self.ptr.append(len(self.feats))
        self.lem.append(self.lemma_id(lem))
        self.before.append(self.lemma_id(lem or " "))
        self.neg.append(tok in _NEGATIONS)
        row = self.index[tok] = len(self.lem) - 1
        return row


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
    _table: _TokenTable = field(default_factory=_TokenTable)
    _ctx_cols: dict[int, int] = field(default_factory=dict)  # context key -> column or -1

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

    def _context_columns(self, keys: np.ndarray) -> np.ndarray:
        """The column of each context feature, -1 where the model does not know it. A key is
        ``before << 32 | lemma`` (lemma ids) for the bigram "b:before lemma", ``lemma`` alone
        (before 0, the id of no lemma) for the negated lemma "n:lemma"."""
        cols, get, listed = self._ctx_cols, self._ctx_cols.get, keys.tolist()
        out = [get(k) for k in listed]
        if None in out:
            names, vocab = self._table.lemmas, self.vocabulary
            for k in {k for k, col in zip(listed, out, strict=True) if col is None}:
                before, lem = names[k >> 32] if k >> 32 else "", names[k & 0xFFFFFFFF]
                cols[k] = vocab.get(f"b:{before} {lem}" if before else "n:" + lem, -1)
            out = [cols[k] for k in listed]
        return np.array(out, dtype=np.int64)

    def _counts(
        self, texts: Sequence[str], words: Sequence[list[str]] | None = None
    ) -> sp.csc_matrix:
        """How often each feature of :func:`analyze` occurs in each text (canonical CSC):
        per token its characters' and lemma's columns, the bigram with the token before and
        the negated lemma within ``_NEG_REACH`` tokens after a negation. Only the tokens are
        looked up in Python; the rest is numpy and scipy over the whole batch."""
        table = self._table
        if len(table.index) > 300_000:  # bound the memory (between batches only)
            table = self._table = _TokenTable()
            self._ctx_cols.clear()
        elif len(self._ctx_cols) > 500_000:
            self._ctx_cols.clear()
        table.lemma_id("")  # id 0: no lemma (the "before" of a negated lemma's key)
        toks = words if words is not None else [words_of(t) for t in texts]
        get, add, vocab = table.index.get, table.add, self.vocabulary
        tid = np.fromiter((get(t) or add(t, vocab) for row in toks for t in row), dtype=np.int64)
        lens = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
        first = np.cumsum(lens) - lens  # each text's first token
        ptr = np.frombuffer(table.ptr, dtype=np.int64)
        start, count = ptr[tid], ptr[tid + 1] - ptr[tid]
        lem = np.frombuffer(table.lem, dtype=np.int32)[tid].astype(np.int64)
        before = np.frombuffer(table.before, dtype=np.int32)[tid].astype(np.int64)
        pos = np.arange(len(tid))
        bigram = np.full(len(tid), -1, dtype=np.int64)
        later = np.ones(len(tid), dtype=bool)
        later[first[lens > 0]] = False
        bigram[later] = self._context_columns(before[pos[later] - 1] << 32 | lem[later])
        neg = np.frombuffer(table.neg, dtype=np.int8)[tid].astype(bool)
        last = np.maximum.accumulate(np.where(neg, pos, -1)) if len(tid) else pos
        negated = ~neg & (last >= np.repeat(first, lens)) & (pos - last <= _NEG_REACH)
        negcol = np.full(len(tid), -1, dtype=np.int64)
        negcol[negated] = self._context_columns(lem[negated])
        ends = np.cumsum(lens)  # per text, the token after its last
        shape = (len(texts), len(self.idf))
        feats = np.frombuffer(table.feats, dtype=np.int32) if table.feats else np.zeros(0, np.intc)
        inner = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        x = _counted(feats[np.repeat(start, count) + inner], _bounds(count, ends), shape)
        for col in (bigram, negcol):
            found = col >= 0
            x += _counted(col[found].astype(np.intc), _bounds(found, ends), shape)
        return x

    def transform(
        self, texts: Sequence[str], words: Sequence[list[str]] | None = None
    ) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` (sublinear counts, l2-normalised): the vectorizer's output."""
        x = self._counts(texts, words).tocsr()  # counted exactly (int), then as float64
        x = x.astype(np.float64)
        x.data = (np.log(x.data) + 1.0) * self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.diags(1.0 / norms) @ x

    def probabilities(
        self, texts: Sequence[str], words: Sequence[list[str]] | None = None
    ) -> np.ndarray:
        """(n_texts, n_causes) probability of each modelled cause. ``words``: each text's
        words as :func:`words` reads them, when the caller has them already."""
        if not self.causes:
            return np.zeros((len(texts), 0))
        scores = self.transform(texts, words) @ self.coef + self.intercept
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


def _bounds(per_token: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """CSR row bounds of entries laid out token by token, ``per_token`` entries each, when
    the texts' tokens end at ``ends``."""
    total = np.concatenate(([0], np.cumsum(per_token, dtype=np.int64)))
    return np.concatenate(([0], total[ends]))


def _counted(cols: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]) -> sp.csc_matrix:
    """The canonical CSC of ones at ``cols`` by the rows of ``indptr``, repeats summed (the
    conversion from CSR sorts by counting, in linear time)."""
    x = sp.csr_matrix((np.ones(len(cols), dtype=np.int32), cols, indptr), shape=shape).tocsc()
    x.sum_duplicates()
    return x


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
