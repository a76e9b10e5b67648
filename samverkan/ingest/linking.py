"""Incidents reported by both parties: one case, the other party's copy a duplicate.

The rule (``link_reported_by_both``) takes its thresholds from a ``DuplicateRule``, read
once from params.yaml ``ingest.duplicates`` and recorded in the ingest's ``ingest.json``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w{2,}")


def _setting(duplicates: Mapping[str, Any], key: str, kind: type) -> int | float:
    """One value of params.yaml ``ingest.duplicates`` as ``kind``; InputError when bad."""
    try:
        return kind(duplicates[key])
    except (KeyError, TypeError, ValueError):
        raise InputError(
            "params.yaml",
            f"ingest.duplicates.{key} saknas eller är inte ett tal",
            "Ange max_days_apart (heltal) och min_text_similarity (tal mellan 0 och 1)",
        ) from None


@dataclass(frozen=True)
class DuplicateRule:
    """The thresholds of the linking rule (params.yaml ``ingest.duplicates``)."""

    max_days_apart: int
    min_text_similarity: float

    @classmethod
    def from_params(cls, duplicates: Mapping[str, Any]) -> DuplicateRule:
        """From params.yaml ``ingest.duplicates``; InputError for a missing or bad value."""
        rule = cls(
            max_days_apart=int(_setting(duplicates, "max_days_apart", int)),
            min_text_similarity=float(_setting(duplicates, "min_text_similarity", float)),
        )
        if rule.max_days_apart < 0 or not 0 <= rule.min_text_similarity <= 1:
            raise InputError(
                "params.yaml",
                "ingest.duplicates har ett värde utanför det tillåtna",
                "Ange max_days_apart som 0 eller mer och min_text_similarity mellan 0 och 1",
            )
        return rule

    def as_dict(self) -> dict[str, int | float]:
        return {
            "max_days_apart": self.max_days_apart,
            "min_text_similarity": self.min_text_similarity,
        }


def _tokens(text: object) -> frozenset[str]:
    if text is None or text is pd.NA:
        return frozenset()
    return frozenset(_TOKEN.findall(str(text).casefold()))


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


def _candidate_pairs(
    df: pd.DataFrame, date: np.ndarray, tokens: list[frozenset[str]], rule: DuplicateRule
) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs meeting conditions (1)-(3) of the linking rule, vectorised.

    Also drops pairs whose token counts alone rule out the similarity threshold (Jaccard
    is at most min(|A|, |B|) / max(|A|, |B|)).
    """
    i, j = _pairs_in_window(date, rule.max_days_apart)
    file_code = pd.factorize(df["source_file"])[0]
    kind = df["_kind"].to_numpy()
    own = df["_own_party"].to_numpy()
    recv = df["receiver_party"].to_numpy()
    named = (own[i] != "okand") & (recv[j] == own[i]) & (recv[i] == own[j])
    keep = (file_code[i] != file_code[j]) & ((kind[i] != kind[j]) | named)
    size = np.array([len(t) for t in tokens], dtype=float)
    small, large = np.minimum(size[i], size[j]), np.maximum(size[i], size[j])
    keep &= (small > 0) & (small >= rule.min_text_similarity * large)
    return i[keep], j[keep]


def _similar_pairs(
    df: pd.DataFrame, date: np.ndarray, tokens: list[frozenset[str]], rule: DuplicateRule
) -> list[tuple[float, str, int, int]]:
    """(-similarity, smaller case_id, i, j) of the pairs meeting all four conditions,
    sorted: most similar first, ties by case_id."""
    i_idx, j_idx = _candidate_pairs(df, date, tokens, rule)
    case_ids = df["case_id"].astype(str).tolist()
    sizes = [len(t) for t in tokens]
    pairs: list[tuple[float, str, int, int]] = []
    for i, j in zip(i_idx.tolist(), j_idx.tolist(), strict=True):
        common = len(tokens[i] & tokens[j])  # jaccard(), inlined: this loop is the hot spot
        sim = common / (sizes[i] + sizes[j] - common)
        if sim >= rule.min_text_similarity:
            pairs.append((-sim, min(case_ids[i], case_ids[j]), i, j))
    pairs.sort()
    return pairs


def _reporter_first(
    df: pd.DataFrame, i: int, j: int, rep_own: np.ndarray, files: np.ndarray
) -> tuple[int, int]:
    """(kept, dropped) of a linked pair: the row not incoming first, then the row received
    first, then the file name."""
    key_i = (not rep_own[i], df.at[i, "received"], files[i])
    key_j = (not rep_own[j], df.at[j, "received"], files[j])
    return (i, j) if key_i <= key_j else (j, i)


def _merge(df: pd.DataFrame, keep: int, other: int, files: np.ndarray, own: np.ndarray) -> None:
    """Mark ``keep`` as reported by both and fill its gaps from ``other`` (in place)."""
    df.at[keep, "reported_by_both"] = True
    df.at[keep, "linked_file"] = files[other]
    if df.at[keep, "receiver_party"] == "okand":
        df.at[keep, "receiver_party"] = own[other]
    if pd.isna(df.at[keep, "action"]) and not pd.isna(df.at[other, "action"]):
        df.at[keep, "action"] = df.at[other, "action"]
    if pd.isna(df.at[keep, "involves_child"]):
        df.at[keep, "involves_child"] = df.at[other, "involves_child"]


def link_reported_by_both(
    cases: pd.DataFrame, rule: DuplicateRule
) -> tuple[pd.DataFrame, pd.Series]:
    """Link incidents reported by both parties; return (kept cases, dropped-row file names).

    Matching rule: two cases are one incident when
    (1) they come from different files of the term;
    (2) one file's organisation is a kommun and the other's the region, or each row's
        receiving party is the other row's own (reporting-side) party;
    (3) their event dates (fallback: received dates) lie at most ``rule.max_days_apart``
        days apart; and
    (4) the token-set Jaccard similarity of their de-identified descriptions (case-folded
        word tokens of two or more letters) is at least ``rule.min_text_similarity``.
    Each case is linked at most once: candidate pairs are taken in order of falling
    similarity (ties: by case_id), skipping cases already linked.

    The reporter's row is kept: the row whose own organisation reported the incident (not
    an incoming row); if both or neither did, the row received first (ties: file name).
    The kept row gets reported_by_both = True and linked_file = the other file; its
    receiving party, action and involves_child are filled from the other row where it has
    none. The other row is counted as a duplicate in its own file.
    """
    if len(cases) < 2:
        return cases, pd.Series([], dtype=str)
    df = cases.reset_index(drop=True)
    date = df["event_date"].fillna(df["received"]).to_numpy(dtype="datetime64[D]")
    tokens = [_tokens(t) for t in df["description"]]
    files = df["source_file"].astype(str).to_numpy()
    rep_own = df["_reporter_is_own"].to_numpy(dtype=bool)
    own = df["_own_party"].astype(str).to_numpy()
    used: set[int] = set()
    drop: list[int] = []
    df["reported_by_both"] = df["reported_by_both"].astype(bool)
    for _, _, i, j in _similar_pairs(df, date, tokens, rule):
        if i in used or j in used:
            continue
        used.update((i, j))
        keep, other = _reporter_first(df, i, j, rep_own, files)
        _merge(df, keep, other, files, own)
        drop.append(other)
    dropped_files = df.loc[drop, "source_file"].astype(str)
    logger.debug("linked %d incidents reported by both parties", len(drop))
    return df.drop(index=drop), dropped_files.reset_index(drop=True)
