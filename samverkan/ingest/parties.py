"""Who reported a case and who received it, the direction between them, and children.

Parties and their sides come from config/parties.yaml; an organisation's side is its
``kind`` in config/organisations.yaml.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samverkan.ingest.sources import SourceConfig
from samverkan.ingest.sources.catalog import Party

UNKNOWN_PARTY = "okand"


# The parties each unit or actor text names, per loaded parties.yaml (keyed by the dict's
# id, which the entry holds on to): a term's files name the same units on row after row and
# file after file, and every text is otherwise searched with every party's patterns.
_MATCHES: dict[int, tuple[dict[str, Party], dict[str, tuple[str, ...]]]] = {}


def _matches(text: object, parties: dict[str, Party]) -> list[str]:
    if text is None or text is pd.NA:
        return []
    s = str(text)
    entry = _MATCHES.get(id(parties))
    if entry is None or entry[0] is not parties:
        if len(_MATCHES) >= 8:  # a long-lived process that loads many configurations
            _MATCHES.clear()
        entry = _MATCHES[id(parties)] = (parties, {})
    hits = entry[1].get(s)
    if hits is None:
        found = (pid for pid, p in parties.items() if any(rx.search(s) for rx in p.patterns))
        hits = entry[1][s] = tuple(found)
    return list(hits)


def party_sides(config: SourceConfig) -> dict[str, str]:
    """Party id -> side (kommun, region or annan)."""
    return {pid: p.side for pid, p in config.parties.items()}


def match_party(text: object, config: SourceConfig, *, default: str = UNKNOWN_PARTY) -> str:
    """The party a unit or actor name refers to (config/parties.yaml, first match wins)."""
    hits = _matches(text, config.parties)
    return hits[0] if hits else default


def resolve_parties(
    unit: object, counterpart: object, own_side: str | None, config: SourceConfig, default: str
) -> tuple[str, str]:
    """(own party, other party) of a row from its unit and counterpart texts.

    Systems disagree on which column names whom (an incoming LifeCare row may put the
    sending region unit under "Rapporterande enhet"), so both texts are searched: the own
    party is the first party on ``own_side`` named by the unit, else by the counterpart,
    else ``default``; the other party is the first party on another side named by the
    counterpart, else by the unit, else the first other party the counterpart names, else
    "okand". With ``own_side`` None (the form, filled in by anyone) the own party is the
    unit's first match and its side decides what "another side" means.
    """
    u, c = _matches(unit, config.parties), _matches(counterpart, config.parties)
    side = party_sides(config)
    if own_side is None:
        own = u[0] if u else default
        own_side = side[own]
    else:
        own = next((p for p in (*u, *c) if side[p] == own_side), default)
    other = next((p for p in (*c, *u) if side[p] != own_side), None)
    if other is None:
        other = next((p for p in c if p != own), UNKNOWN_PARTY)
    return own, other


def direction_between(reporter_side: pd.Series, receiver_side: pd.Series) -> np.ndarray:
    """kommun_till_region, region_till_kommun, else ovrigt, from the two sides."""
    return np.select(
        [
            (reporter_side == "kommun") & (receiver_side == "region"),
            (reporter_side == "region") & (receiver_side == "kommun"),
        ],
        ["kommun_till_region", "region_till_kommun"],
        default="ovrigt",
    )


def _own_and_other(
    rows: pd.DataFrame, own_side: np.ndarray, config: SourceConfig, default: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``resolve_parties`` of every row (``own_side`` and ``default``: each row's file's),
    once per distinct (unit, counterpart, own side, default)."""
    unit = rows["reporter_unit"].astype("string").fillna("").to_numpy(dtype=object)
    counterpart = rows["counterpart"].astype("string").fillna("").to_numpy(dtype=object)
    keys = list(zip(unit, counterpart, own_side, default, strict=True))
    resolved = {
        k: resolve_parties(k[0] or None, k[1] or None, k[2], config, k[3])
        for k in dict.fromkeys(keys)
    }
    own = np.array([resolved[k][0] for k in keys], dtype=object)
    other = np.array([resolved[k][1] for k in keys], dtype=object)
    return own, other


def assign_parties(
    rows: pd.DataFrame, organisation: str, system: str, config: SourceConfig
) -> pd.DataFrame:
    """Add reporter_party, receiver_party, direction and the helper columns used later,
    for rows of one file (``assign_parties_rows``)."""
    own_side, default = file_sides(organisation, system, config)
    n = len(rows)
    return assign_parties_rows(
        rows, np.array([own_side] * n, dtype=object), np.array([default] * n, dtype=object), config
    )


def file_sides(organisation: str, system: str, config: SourceConfig) -> tuple[str | None, str]:
    """(own side, default own party) of a file of ``organisation`` and ``system``: the own
    side is the organisation's kind, or None for a system whose reporter is not the
    organisation (sources.yaml ``reporter_is_organisation: false``, the form)."""
    spec = config.systems[system]
    own_side = config.organisations[organisation].kind if spec.reporter_is_organisation else None
    return own_side, spec.default_own_party


def assign_parties_rows(
    rows: pd.DataFrame, own_side: np.ndarray, default: np.ndarray, config: SourceConfig
) -> pd.DataFrame:
    """Add reporter_party, receiver_party, direction and the helper columns used later;
    ``own_side`` and ``default`` per row, from its file (``file_sides``).

    The own side is the file's (its organisation's kind), or for the form that of the
    reporter's role. Own and other party come from ``resolve_parties``. An incoming row
    (LifeCare Riktning = Inkommande) was reported by the other party: reporter and
    receiver swap. Direction goes from the reporter's side to the receiver's side
    (``direction_between``). Helper columns: ``_own_party``, ``_own_side`` and
    ``_reporter_is_own``.
    """
    side = party_sides(config)
    own, other = _own_and_other(rows, own_side, config, default)
    # plain arrays: cheaper in numpy than in pandas' where/map
    own_sides = np.array(
        [side[p] if s is None else s for p, s in zip(own, own_side, strict=True)], dtype=str
    )
    other_side = np.array([side[p] for p in other], dtype=str)
    incoming = rows["incoming"].fillna(False).astype(bool).to_numpy()
    return rows.assign(
        reporter_party=np.where(incoming, other, own).astype(str),
        receiver_party=np.where(incoming, own, other).astype(str),
        direction=direction_between(
            np.where(incoming, other_side, own_sides), np.where(incoming, own_sides, other_side)
        ),
        _own_party=own.astype(str),
        _own_side=own_sides.astype(object),
        _reporter_is_own=~incoming,
    )


def direction_after_linking(cases: pd.DataFrame, config: SourceConfig) -> pd.Series:
    """Direction again, after linking filled in a receiving party: the own side (the
    file's, or the form reporter's) on the side of whoever reported the row."""
    side = party_sides(config)
    reporter_is_own = cases["_reporter_is_own"].astype(bool)
    reporter_side = cases["_own_side"].where(reporter_is_own, cases["reporter_party"].map(side))
    receiver_side = cases["receiver_party"].map(side).where(reporter_is_own, cases["_own_side"])
    return pd.Series(direction_between(reporter_side, receiver_side), index=cases.index)


def _child_texts(rows: pd.DataFrame, needed: np.ndarray) -> list[str]:
    """The texts searched for child and adult words: description, action, unit, actor
    ("" where not ``needed``)."""
    columns = [
        rows[c].astype("string").fillna("").to_numpy(dtype=object)
        for c in ("description", "action", "reporter_unit", "counterpart")
    ]
    return [
        " \n ".join(parts) if need else "" for need, *parts in zip(needed, *columns, strict=True)
    ]


def involves_child(rows: pd.DataFrame, system: str, config: SourceConfig) -> pd.Series:
    """``involves_child_rows`` for rows of one file of ``system``."""
    return involves_child_rows(rows, np.full(len(rows), system in config.child_systems), config)


def involves_child_rows(
    rows: pd.DataFrame, child_system: np.ndarray, config: SourceConfig
) -> pd.Series:
    """True when a party is a child party, the row's system is a child system (school
    health; ``child_system`` per row) or the text names a child; False when the text
    names adults only; NA otherwise.

    The texts searched are the raw description, action, unit and counterpart, with the
    compiled patterns in plain Python (pandas' string methods re-parse a pattern on every
    call before they fall back to Python's ``re`` for these patterns).
    """
    child_parties = {pid for pid, p in config.parties.items() if p.child}
    party = rows["reporter_party"].isin(child_parties) | rows["receiver_party"].isin(child_parties)
    known = party.to_numpy(dtype=bool) | np.asarray(child_system, dtype=bool)
    child_rx, adult_rx = config.child_pattern, config.adult_pattern
    out: list[bool | None] = []
    for is_known, text in zip(known, _child_texts(rows, ~known), strict=True):
        if is_known or (child_rx is not None and child_rx.search(text)):
            out.append(True)
        elif adult_rx is not None and adult_rx.search(text):
            out.append(False)
        else:
            out.append(None)
    return pd.Series(pd.array(out, dtype="boolean"), index=rows.index)
