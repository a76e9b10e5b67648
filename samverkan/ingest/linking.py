"""Incidents reported by both parties: one case, the other party's copy a duplicate.

The rule (``link_reported_by_both``) takes its thresholds from a ``DuplicateRule``, read
once from params.yaml ``ingest.duplicates`` and recorded in the ingest's ``ingest.json``.

Cost: only pairs within the date window are ever looked at (never all pairs). With the
jaccard method they are scored a block of days at a time with array operations
(``_jaccard_pairs``), so time grows with the rows times the window's rows per day and
memory is bounded by ``_BLOCK_CELLS``: the party, file and size conditions first, then
the tokens in common counted on bit masks of the term's most frequent tokens, 64 at a
time, dropping a pair as soon as it can no longer reach the threshold
(``_text_matches``). The ngram method scores the window's candidate pairs one by one
(``_pairwise_pairs``).
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w{2,}")
_WORD = re.compile(r"[^\W\d_]{2,}")


METHODS = ("jaccard", "ngram")
NGRAM = 4  # character n-grams of the lemmatised content words
PERSON_MATCH = 3.0  # the score of a pair with the same person pseudonym: ranked first


def _setting(duplicates: Mapping[str, Any], key: str, kind: type, default: Any = None) -> Any:
    """One value of params.yaml ``ingest.duplicates`` as ``kind``; InputError when bad."""
    try:
        value = duplicates[key] if default is None else duplicates.get(key, default)
        return kind(value)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError(
            "params.yaml",
            f"ingest.duplicates.{key} saknas eller är inte ett tal",
            "Ange max_days_apart (heltal), min_text_similarity (tal mellan 0 och 1) och "
            f"eventuellt method ({' eller '.join(METHODS)}) och min_ngram_similarity",
        ) from None


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(
            "params.yaml",
            "ingest.duplicates.link_by_person_id ska vara true eller false",
            "Skriv link_by_person_id: true eller false",
        )
    return value


@dataclass(frozen=True)
class DuplicateRule:
    """The thresholds of the linking rule (params.yaml ``ingest.duplicates``).

    ``method`` "jaccard" (the default): word-set Jaccard of the descriptions at least
    ``min_text_similarity``; "ngram": cosine of IDF-weighted character 4-grams of the
    lemmatised content words at least ``min_ngram_similarity`` (survives paraphrase).
    With ``link_by_person_id``, two rows carrying a keyed pseudonym of the person's
    identity number (``ingest.pseudonym``) are linked when it is the same and never when
    it differs, whatever their texts.
    """

    max_days_apart: int
    min_text_similarity: float
    method: str = "jaccard"
    min_ngram_similarity: float = 0.08
    # link by a keyed pseudonym of the identity number where exports carry one
    link_by_person_id: bool = False

    @classmethod
    def from_params(cls, duplicates: Mapping[str, Any]) -> DuplicateRule:
        """From params.yaml ``ingest.duplicates``; InputError for a missing or bad value.
        ``method``, ``min_ngram_similarity`` and ``link_by_person_id`` are optional
        (jaccard, 0.08, false: the rule before they existed)."""
        rule = cls(
            max_days_apart=int(_setting(duplicates, "max_days_apart", int)),
            min_text_similarity=float(_setting(duplicates, "min_text_similarity", float)),
            method=str(_setting(duplicates, "method", str, "jaccard")),
            min_ngram_similarity=float(_setting(duplicates, "min_ngram_similarity", float, 0.08)),
            link_by_person_id=_flag(duplicates.get("link_by_person_id", False)),
        )
        if (
            rule.max_days_apart < 0
            or not 0 <= rule.min_text_similarity <= 1
            or not 0 <= rule.min_ngram_similarity <= 1
            or rule.method not in METHODS
        ):
            raise InputError(
                "params.yaml",
                "ingest.duplicates har ett värde utanför det tillåtna",
                "Ange max_days_apart som 0 eller mer, min_text_similarity och "
                f"min_ngram_similarity mellan 0 och 1 och method som {' eller '.join(METHODS)}",
            )
        return rule

    def as_dict(self) -> dict[str, int | float | str]:
        out: dict[str, int | float | str] = {
            "max_days_apart": self.max_days_apart,
            "min_text_similarity": self.min_text_similarity,
        }
        if self.method != "jaccard":  # the default rule is recorded as before
            out |= {"method": self.method, "min_ngram_similarity": self.min_ngram_similarity}
        if self.link_by_person_id:
            out["link_by_person_id"] = True
        return out


def _tokens(text: object) -> frozenset[str]:
    return frozenset(_token_list(text))


def _token_list(text: object) -> list[str]:
    """The tokens of a description in text order, repeats kept (``_tokens`` as a list)."""
    if text is None or text is pd.NA:
        return []
    return _TOKEN.findall(str(text).casefold())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Token-set Jaccard similarity |A∩B| / |A∪B| (0 for two empty sets)."""
    common = len(a & b)
    union = len(a) + len(b) - common
    return common / union if union else 0.0


def _pairs_in_window(date: np.ndarray, max_days_apart: int) -> tuple[np.ndarray, np.ndarray]:
    """Every row pair (i, j) whose dates lie at most ``max_days_apart`` days apart."""
    n = len(date)
    order = np.argsort(date, kind="stable")
    sorted_dates = date[order]
    window = np.timedelta64(int(max_days_apart), "D")
    hi = np.searchsorted(sorted_dates, sorted_dates + window, side="right")
    counts = np.clip(hi - (np.arange(n) + 1), 0, None)
    first = np.repeat(np.arange(n), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return order[first], order[first + 1 + offsets]


class NgramSimilarity:
    """Cosine similarity of IDF-weighted character n-grams of the lemmatised content words
    of a term's descriptions (IDF over those same descriptions; simplemma for Swedish
    lemmas, ``stop_words`` from config/sources.yaml ``linking.stop_words``)."""

    def __init__(self, texts: list[object], stop_words: frozenset[str]) -> None:
        import simplemma

        lemma = functools.lru_cache(maxsize=None)(lambda w: simplemma.lemmatize(w, lang="sv"))
        self.grams: list[Counter[str]] = []
        for text in texts:
            words = [] if text is None or text is pd.NA else _WORD.findall(str(text).casefold())
            grams: Counter[str] = Counter()
            for w in (f" {lemma(w)} " for w in words if w not in stop_words):
                grams.update(w[k : k + NGRAM] for k in range(max(1, len(w) - NGRAM + 1)))
            self.grams.append(grams)
        df = Counter(g for grams in self.grams for g in grams)
        n = len(texts)
        idf = {g: math.log((n + 1) / (c + 1)) + 1 for g, c in df.items()}
        self.vectors = [{g: c * idf[g] for g, c in grams.items()} for grams in self.grams]
        self.norms = [math.sqrt(sum(v * v for v in vec.values())) for vec in self.vectors]

    def score(self, i: int, j: int) -> float:
        a, b = self.vectors[i], self.vectors[j]
        if not self.norms[i] or not self.norms[j]:
            return 0.0
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b.get(g, 0.0) for g, v in a.items()) / (self.norms[i] * self.norms[j])


_BLOCK_CELLS = 2_000_000  # row pairs scored at once: bounds the memory of a block


_BIT_WORDS = 8  # the term's 8 x 64 most frequent tokens are compared as bit masks


@dataclass(frozen=True)
class _TokenBits:
    """The descriptions' token sets, for counting the tokens of many row pairs in common.

    The term's tokens ranked by how many descriptions hold them: the first 64 are bit
    ``k`` of ``words[0]`` (one uint64 per row), the next 64 of ``words[1]`` and so on;
    ``rest[w]`` is each row's number of tokens ranked after those of ``words[w]``, and
    ``tail`` holds the tokens after the last word as a sparse 0/1 matrix (rows x tokens;
    None when there are none).
    """

    words: list[np.ndarray]
    rest: list[np.ndarray]
    tail: Any
    size: np.ndarray  # each row's number of distinct tokens

    @classmethod
    def of(cls, tokens: Sequence[Iterable[str]]) -> _TokenBits:
        """From each row's tokens: sets, or lists with repeats (each token counts once)."""
        lists = [ts if isinstance(ts, list) else list(ts) for ts in tokens]
        flat = list(itertools.chain.from_iterable(lists))
        vocab = {t: k for k, t in enumerate(dict.fromkeys(flat))}
        ids = np.fromiter(map(vocab.__getitem__, flat), np.int64, len(flat))
        n = len(lists)
        rows = np.repeat(np.arange(n), np.fromiter(map(len, lists), np.int64, n))
        # one entry per row and distinct token (a sort and a mask: np.unique is many times
        # slower here)
        width = max(1, len(vocab))
        # (row, token) as one integer; 32 bits where they fit (sorted about twice as fast)
        key_type = np.int32 if n * width < 2**31 else np.int64
        pairs = np.sort(rows.astype(key_type) * key_type(width) + ids.astype(key_type))
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
        rows, ids = pairs // width, pairs % width
        size = np.bincount(rows, minlength=n).astype(float)
        rank = np.empty(len(vocab), dtype=np.int64)
        rank[np.argsort(-np.bincount(ids, minlength=len(vocab)), kind="stable")] = np.arange(
            len(vocab)
        )
        ranks = rank[ids]
        nw = min(_BIT_WORDS, -(-len(vocab) // 64))
        word = np.minimum(ranks >> 6, nw)  # the bit word of each entry; nw: the tail
        # counts[w]: each row's tokens in word w (counts[nw]: in the tail); rest[w] is the
        # sum of the counts after w
        counts = np.bincount(word * n + rows, minlength=(nw + 1) * n).reshape(nw + 1, n)
        later = np.cumsum(counts[::-1], axis=0)[::-1]
        rest = [later[w + 1].astype(float) for w in range(nw)]
        # every entry's bit OR-ed into its row's word at once (ufunc.at is unbuffered)
        masks = np.zeros(nw * n, dtype=np.uint64)
        in_bits = word < nw
        np.bitwise_or.at(
            masks,
            word[in_bits] * n + rows[in_bits],
            np.left_shift(np.uint64(1), (ranks[in_bits] & 63).astype(np.uint64)),
        )
        words = [masks[w * n : (w + 1) * n] for w in range(nw)]
        after = ~in_bits
        tail = None  # scipy only for a vocabulary beyond the bit words
        if after.any():
            from scipy.sparse import csr_matrix

            tail = csr_matrix(
                (np.ones(int(after.sum())), (rows[after], ranks[after] - 64 * nw)),
                shape=(n, len(vocab) - 64 * nw),
            )
        return cls(words, rest, tail, size)


def _text_matches(
    bits: _TokenBits, size: np.ndarray, i: np.ndarray, j: np.ndarray, t: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, similarity) of the pairs (i, j) whose token-set Jaccard similarity is at
    least ``t``, computed as in ``jaccard`` (rows of at least one token). Common tokens
    are counted 64 at a time, the most frequent first; after each word a pair is dropped
    as soon as sharing every token left would not reach ``t`` (the similarity grows with
    the count in common), so rarer tokens are counted for ever fewer pairs."""
    total = size[i] + size[j]
    common = np.zeros(len(i))
    for word, rest in zip(bits.words, bits.rest, strict=True):
        common += np.bitwise_count(word[i] & word[j])
        most = common + np.minimum(rest[i], rest[j])
        alive = most / (total - most) >= t
        i, j, common, total = i[alive], j[alive], common[alive], total[alive]
    if bits.tail is not None and len(i):
        common += np.asarray(bits.tail[i].multiply(bits.tail[j]).sum(axis=1)).ravel()
    sim = common / (total - common)
    ok = sim >= t
    return i[ok], j[ok], sim[ok]


def _window_blocks(date: np.ndarray, max_days_apart: int) -> Iterator[tuple[int, int, int]]:
    """Blocks (a0, a1, b1) of positions in date order covering the pairs of
    ``_pairs_in_window`` exactly once: rows a0..a1-1 (all of one day) with the later
    rows up to b1 (that day and the next ``max_days_apart`` days). A day's rows are split
    so that a block holds at most ``_BLOCK_CELLS`` pairs."""
    days = np.sort(date, kind="stable").astype("datetime64[D]").astype(np.int64)
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:], len(days)]
    his = np.searchsorted(days, days[starts] + int(max_days_apart), side="right")
    for start, end, hi in zip(starts.tolist(), ends.tolist(), his.tolist(), strict=True):
        step = max(1, _BLOCK_CELLS // max(1, hi - start))
        for a0 in range(start, end, step):
            yield a0, min(end, a0 + step), hi


@dataclass(frozen=True)
class _RowCodes:
    """Per row, as integer codes: file, kind, own and receiving party, person pseudonym
    (-1: none), token count; for scoring blocks of pairs with array operations."""

    file: np.ndarray
    kind: np.ndarray
    own: np.ndarray
    recv: np.ndarray
    unknown: int  # the code of "okand" (-1 when no row has it)
    person: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, df: pd.DataFrame, size: np.ndarray) -> _RowCodes:
        parties = pd.Index(pd.unique(np.r_[df["_own_party"], df["receiver_party"]]))
        # the same codes as of _person_keys (the pseudonyms are text; missing: -1)
        person = df["_person_key"] if "_person_key" in df else pd.Series([None] * len(df))
        return cls(
            file=pd.factorize(df["source_file"])[0],
            kind=pd.factorize(df["_kind"])[0],
            own=parties.get_indexer(df["_own_party"]),
            recv=parties.get_indexer(df["receiver_party"]),
            unknown=int(parties.get_indexer(["okand"])[0]),
            person=pd.factorize(person, use_na_sentinel=True)[0],
            size=size,
        )


def _score_block(
    codes: _RowCodes, bits: _TokenBits, a: np.ndarray, b: np.ndarray, t: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, score) of the pairs of rows ``a`` x ``b`` meeting the jaccard rule, where
    ``b`` starts with the rows of ``a`` in the same (date) order and a pair counts once,
    with its ``b`` row later than its ``a`` row: conditions (1)-(3) of
    ``_candidate_pairs`` and the same person pseudonym (score PERSON_MATCH) or, when
    either has none, a Jaccard similarity of at least ``t`` (the score, ``_text_matches``).

    Condition (2) splits the block: rows of different kinds are compared all with all
    (array operations on the sub-block, ``_other_kind``); rows of the same kind only
    where their parties are named and mirrored (``_same_kind``), so the larger
    same-kind part of a block is never formed as a matrix.
    """
    kind_a, kind_b = codes.kind[a], codes.kind[b]
    person: list[tuple[np.ndarray, np.ndarray]] = []
    text: list[tuple[np.ndarray, np.ndarray]] = []
    for kind in pd.unique(kind_a):  # (-1: a row of no kind, a kind of its own)
        ra = np.flatnonzero(kind_a == kind)  # positions in a (and in b: a is b's start)
        for split in (_other_kind, _same_kind):
            found_person, found_text = split(codes, a, b, ra, kind_b, kind, t)
            person.append(found_person)
            text.append(found_text)
    person_i = np.concatenate([i for i, _ in person])
    person_j = np.concatenate([j for _, j in person])
    text_i = np.concatenate([i for i, _ in text])
    text_j = np.concatenate([j for _, j in text])
    i, j, sim = _text_matches(bits, codes.size, text_i, text_j, t)
    return (
        np.r_[person_i, i],
        np.r_[person_j, j],
        np.r_[np.full(len(person_i), PERSON_MATCH), sim],
    )


_Pairs = tuple[np.ndarray, np.ndarray]


def _sizes_allow(x: np.ndarray, y: np.ndarray, t: float) -> np.ndarray:
    """Token counts ``x`` and ``y`` (broadcast) that can reach a Jaccard similarity of
    ``t``: both above 0 and min(x, y) >= t * max(x, y) (Jaccard is at most their ratio),
    written as x >= t * y and y >= t * x with a count of 0 as -1 on the left, so that on
    a block only boolean matrices are formed."""
    return (np.where(x > 0, x, -1.0) >= t * y) & (np.where(y > 0, y, -1.0) >= t * x)


def _other_kind(
    c: _RowCodes, a: np.ndarray, b: np.ndarray, ra: np.ndarray, kind_b: np.ndarray, kind: int,
    t: float,
) -> tuple[_Pairs, _Pairs]:  # fmt: skip
    """(same-person pairs, pairs to compare by text) of the rows ``a[ra]`` (all of
    ``kind``) with the later rows of ``b`` of another kind: every pair of the sub-block."""
    rows_a = a[ra]
    rb = np.flatnonzero(kind_b != kind)
    rows_b = b[rb]
    keep = (rb[None, :] > ra[:, None]) & (c.file[rows_a][:, None] != c.file[rows_b][None, :])
    pa, pb = c.person[rows_a], c.person[rows_b]
    both = (pa >= 0)[:, None] & (pb >= 0)[None, :]
    sa, sb = np.nonzero(keep & both & (pa[:, None] == pb[None, :]))
    sized = _sizes_allow(c.size[rows_a][:, None], c.size[rows_b][None, :], t)
    ta, tb = np.nonzero(keep & ~both & sized)
    return (rows_a[sa], rows_b[sb]), (rows_a[ta], rows_b[tb])


def _same_kind(
    c: _RowCodes, a: np.ndarray, b: np.ndarray, ra: np.ndarray, kind_b: np.ndarray, kind: int,
    t: float,
) -> tuple[_Pairs, _Pairs]:  # fmt: skip
    """(same-person pairs, pairs to compare by text) of the rows ``a[ra]`` with the later
    rows of ``b`` of the same ``kind``: only named mirrored parties (the own party of
    one is the receiving party of the other, both ways), found by joining on the pair
    (own, receiving) without forming the sub-block."""
    rows_a = a[ra]
    rb = np.flatnonzero(kind_b == kind)
    rows_b = b[rb]
    width = int(max(c.own.max(initial=0), c.recv.max(initial=0))) + 1
    key_b = c.recv[rows_b] * width + c.own[rows_b]
    by_key = np.argsort(key_b, kind="stable")
    sorted_keys = key_b[by_key]
    key_a = c.own[rows_a] * width + c.recv[rows_a]
    lo = np.searchsorted(sorted_keys, key_a, side="left")
    count = np.searchsorted(sorted_keys, key_a, side="right") - lo
    count[c.own[rows_a] == c.unknown] = 0
    ia = np.repeat(np.arange(len(ra)), count)
    ib = by_key[lo[ia] + np.arange(len(ia)) - np.repeat(np.cumsum(count) - count, count)]
    ok = (rb[ib] > ra[ia]) & (c.file[rows_a[ia]] != c.file[rows_b[ib]])
    i, j = rows_a[ia[ok]], rows_b[ib[ok]]
    both = (c.person[i] >= 0) & (c.person[j] >= 0)
    same = both & (c.person[i] == c.person[j])
    text = ~both & _sizes_allow(c.size[i], c.size[j], t)
    return (i[same], j[same]), (i[text], j[text])


def _jaccard_pairs(
    df: pd.DataFrame, date: np.ndarray, tokens: Sequence[Iterable[str]], rule: DuplicateRule
) -> list[tuple[float, str, int, int]]:
    """``_similar_pairs`` for the jaccard method: every pair of the date window scored at
    once per block of days (array operations on the token bit masks; never a Python loop
    over the window's pairs, and memory bounded by ``_BLOCK_CELLS``)."""
    bits = _TokenBits.of(tokens)
    codes = _RowCodes.of(df, bits.size)
    order = np.argsort(date, kind="stable")
    case_ids = df["case_id"].astype(str).tolist()
    pairs: list[tuple[float, str, int, int]] = []
    for a0, a1, b1 in _window_blocks(date, rule.max_days_apart):
        a, b = order[a0:a1], order[a0:b1]
        i, j, score = _score_block(codes, bits, a, b, rule.min_text_similarity)
        for x, y, sc in zip(i.tolist(), j.tolist(), score.tolist(), strict=True):
            pairs.append((-sc, min(case_ids[x], case_ids[y]), x, y))
    pairs.sort()
    return pairs


def _candidate_pairs(
    df: pd.DataFrame, date: np.ndarray, tokens: list[frozenset[str]], rule: DuplicateRule
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, mirrored) of the row pairs meeting conditions (1)-(3) of the linking rule,
    vectorised. Blocking: the date window first (sorted dates, never all pairs), then
    different files and opposite sides or named mirrored parties. ``mirrored``: each
    row's own party is the other's receiving party (or unknown).

    With the jaccard method, also drops pairs whose token counts alone rule out the
    similarity threshold (Jaccard is at most min(|A|, |B|) / max(|A|, |B|)), unless both
    rows carry a person pseudonym.
    """
    person = _person_keys(df)
    i, j = _pairs_in_window(date, rule.max_days_apart)
    file_code = pd.factorize(df["source_file"])[0]
    kind = df["_kind"].to_numpy()
    own = df["_own_party"].to_numpy()
    recv = df["receiver_party"].to_numpy()
    named = (own[i] != "okand") & (recv[j] == own[i]) & (recv[i] == own[j])
    keep = (file_code[i] != file_code[j]) & ((kind[i] != kind[j]) | named)
    has_person = np.array([p is not None for p in person], dtype=bool)
    both = has_person[i] & has_person[j]
    if rule.method == "jaccard" and len(i):
        size = np.array([len(t) for t in tokens], dtype=float)
        keep &= _sizes_allow(size[i], size[j], rule.min_text_similarity) | both
    mirrored = _mirrored(own[i], recv[j]) & _mirrored(own[j], recv[i])
    return i[keep], j[keep], mirrored[keep]


def _mirrored(own: np.ndarray, receiver: np.ndarray) -> np.ndarray:
    """One row's own party is the other's receiving party, or either is unknown."""
    return (own == receiver) | (own == "okand") | (receiver == "okand")


def _person_keys(df: pd.DataFrame) -> list[str | None]:
    """The keyed person pseudonym of each row (None where the export had none)."""
    if "_person_key" not in df:
        return [None] * len(df)
    return [None if pd.isna(v) else str(v) for v in df["_person_key"]]


def _text_scorer(
    df: pd.DataFrame, tokens: list[frozenset[str]], rule: DuplicateRule, stop_words: frozenset[str]
) -> Callable[[int, int, bool], float | None]:
    """score(i, j, mirrored) of two descriptions, None below the rule's threshold.

    jaccard: the Jaccard similarity. ngram: 1 + Jaccard for a near-copy (Jaccard at
    least min_text_similarity, ranked first: every link of the jaccard rule is kept),
    else, for mirrored parties only, the ``NgramSimilarity`` when at least
    min_ngram_similarity.
    """
    ngram = (
        NgramSimilarity(df["description"].tolist(), stop_words) if rule.method == "ngram" else None
    )

    def score(i: int, j: int, mirrored: bool) -> float | None:
        sim = jaccard(tokens[i], tokens[j])
        if sim >= rule.min_text_similarity:
            return sim if ngram is None else 1.0 + sim
        if ngram is None or not mirrored:
            return None
        cos = ngram.score(i, j)
        return cos if cos >= rule.min_ngram_similarity else None

    return score


def _similar_pairs(
    df: pd.DataFrame,
    date: np.ndarray,
    tokens: Sequence[Iterable[str]],
    rule: DuplicateRule,
    stop_words: frozenset[str] = frozenset(),
) -> list[tuple[float, str, int, int]]:
    """(-score, smaller case_id, i, j) of the pairs meeting all four conditions, sorted:
    the same person first, then the highest text score, ties by case_id. Two different
    person pseudonyms are never linked. The jaccard method scores blocks of pairs at once
    (``_jaccard_pairs``); ngram scores the window's candidate pairs one by one
    (``_pairwise_pairs``, the same result for jaccard). ``tokens``: each row's tokens,
    as a set or a list with repeats."""
    if rule.method == "jaccard" and not np.isnat(date).any():
        return _jaccard_pairs(df, date, tokens, rule)
    sets = [ts if isinstance(ts, frozenset) else frozenset(ts) for ts in tokens]
    return _pairwise_pairs(df, date, sets, rule, stop_words)


def _pairwise_pairs(
    df: pd.DataFrame,
    date: np.ndarray,
    tokens: list[frozenset[str]],
    rule: DuplicateRule,
    stop_words: frozenset[str],
) -> list[tuple[float, str, int, int]]:
    """``_similar_pairs`` by scoring each candidate pair of the window in turn."""
    i_idx, j_idx, mirrored = _candidate_pairs(df, date, tokens, rule)
    case_ids = df["case_id"].astype(str).tolist()
    person = _person_keys(df)
    text = _text_scorer(df, tokens, rule, stop_words)
    pairs: list[tuple[float, str, int, int]] = []
    for i, j, m in zip(i_idx.tolist(), j_idx.tolist(), mirrored.tolist(), strict=True):
        if person[i] is not None and person[j] is not None:
            sim = PERSON_MATCH if person[i] == person[j] else None
        else:
            sim = text(i, j, m)
        if sim is not None:
            pairs.append((-sim, min(case_ids[i], case_ids[j]), i, j))
    pairs.sort()
    return pairs


def _reporter_first(
    i: int, j: int, rep_own: np.ndarray, received: np.ndarray, files: np.ndarray
) -> tuple[int, int]:
    """(kept, dropped) of a linked pair: the row not incoming first, then the row received
    first, then the file name."""
    key_i = (not rep_own[i], received[i], files[i])
    key_j = (not rep_own[j], received[j], files[j])
    return (i, j) if key_i <= key_j else (j, i)


def _merge(df: pd.DataFrame, keep: list[int], other: list[int], files: np.ndarray) -> None:
    """Mark the ``keep`` rows as reported by both and fill their gaps from the ``other``
    rows (in place; each row is in at most one pair, so all pairs are merged at once)."""
    if not keep:
        return
    k, o = np.asarray(keep), np.asarray(other)
    df.loc[k, "reported_by_both"] = True
    df.loc[k, "linked_file"] = files[o]
    # the case id of the other party's report, so an analyst's codes on it can follow
    df.loc[k, "linked_case_id"] = df["case_id"].to_numpy()[o]
    recv = df["receiver_party"].to_numpy()
    own = df["_own_party"].astype(str).to_numpy()
    df.loc[k, "receiver_party"] = np.where(recv[k] == "okand", own[o], recv[k])
    for col in ("action", "outcome", "feedback_date", "involves_child"):
        if col not in df:
            continue
        gap = df[col].isna().to_numpy()
        fill = gap[k] & ~gap[o]
        if fill.any():
            df.loc[k[fill], col] = df[col].to_numpy()[o[fill]]


def link_reported_by_both(
    cases: pd.DataFrame, rule: DuplicateRule, stop_words: frozenset[str] = frozenset()
) -> tuple[pd.DataFrame, pd.Series]:
    """Link incidents reported by both parties; return (kept cases, dropped-row file names).

    Matching rule: two cases are one incident when
    (1) they come from different files of the term;
    (2) one file's organisation is a kommun and the other's the region, or each row's
        receiving party is the other row's own (reporting-side) party;
    (3) their event dates (fallback: received dates) lie at most ``rule.max_days_apart``
        days apart; and
    (4) both rows carry the same keyed person pseudonym (``_person_key``, from an
        export's identity-number column); or, when either has none, their de-identified
        descriptions are similar: with ``rule.method`` "jaccard" the token-set Jaccard
        similarity (case-folded word tokens of two or more letters) is at least
        ``rule.min_text_similarity``; with "ngram" the ``NgramSimilarity`` is at least
        ``rule.min_ngram_similarity``. Two different pseudonyms are never linked.
    Each case is linked at most once: candidate pairs are taken in order of falling
    score (the same person first; ties: by case_id), skipping cases already linked.

    The reporter's row is kept: the row whose own organisation reported the incident (not
    an incoming row); if both or neither did, the row received first (ties: file name).
    The kept row gets reported_by_both = True and linked_file = the other file; its
    receiving party, action, outcome, feedback date and involves_child are filled from
    the other row where it has none. The other row is counted as a duplicate in its own file.
    """
    if len(cases) < 2:
        return cases, pd.Series([], dtype=str)
    df = cases.reset_index(drop=True)
    date = df["event_date"].fillna(df["received"]).to_numpy(dtype="datetime64[D]")
    tokens = [_token_list(t) for t in df["description"]]
    files = df["source_file"].astype(str).to_numpy()
    rep_own = df["_reporter_is_own"].to_numpy(dtype=bool)
    received = df["received"].to_numpy()  # datetime64 (NaT compares as Timestamps do)
    used: set[int] = set()
    keep: list[int] = []
    drop: list[int] = []
    df["reported_by_both"] = df["reported_by_both"].astype(bool)
    for _, _, i, j in _similar_pairs(df, date, tokens, rule, stop_words):
        if i in used or j in used:
            continue
        used.update((i, j))
        kept, other = _reporter_first(i, j, rep_own, received, files)
        keep.append(kept)
        drop.append(other)
    _merge(df, keep, drop, files)
    dropped_files = df.loc[drop, "source_file"].astype(str)
    logger.debug("linked %d incidents reported by both parties", len(drop))
    return df.drop(index=drop), dropped_files.reset_index(drop=True)
