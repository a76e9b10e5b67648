"""The ingest stage: a term's raw exports -> cases, reconciliation and quarantine.

``ingest_term`` reads every ``<organisation>__<system>.<csv|xlsx>`` in the term's raw
folder, keeps the rows whose deviation type marks a collaboration case (per organisation
and system, config/organisations.yaml), quarantines rows it cannot use, merges duplicates,
de-identifies the free text with ``samverkan.privacy.redaction.redact`` and writes:

- ``out_dir/cases.parquet`` (validated by ``CasesSchema``) and ``out_dir/reconciliation.csv``
  (one row per file plus ``TOTALT``; read = kept + excluded + duplicates + quarantined),
  both or neither (temporary files renamed at the end);
- ``quarantine_dir/quarantine.csv``: the unusable rows with their reason in Swedish. It
  holds personal data and lives beside the raw data, never under data/processed/.

Per row, in this order: a row whose type is not a collaboration type is *excluded*; a
collaboration row without a usable date, without a description or dated outside the term
is *quarantined*; a row whose source id already occurred in the same file is a
*duplicate*; a row that is the other party's copy of an incident reported by both is a
*duplicate* (see ``link_reported_by_both``); the rest are *kept*.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from samverkan.ingest.sources import (
    ExportTable,
    SourceConfig,
    form_source_key,
    load_source_config,
    normalise_value,
    parse_file_name,
    read_export,
)
from samverkan.ingest.sources.catalog import Party, map_text, normalise_category_value
from samverkan.project.atomic import atomic_path, write_atomic
from samverkan.project.errors import InputError
from samverkan.project.schema import (
    CASE_COLUMNS,
    RECONCILIATION_COLUMNS,
    CasesSchema,
    ReconciliationSchema,
)
from samverkan.project.terms import Term, parse_term

logger = logging.getLogger(__name__)

TOTAL_ROW = "TOTALT"
QUARANTINE_FILE = "quarantine.csv"
# Quarantine columns (Swedish: analysts open this file in Excel).
QUARANTINE_COLUMNS = {
    "file": "fil",
    "row": "rad",
    "reason": "orsak",
    "source_id": "id",
    "received_text": "registreringsdatum",
    "event_text": "händelsedatum",
    "source_type": "avvikelsetyp",
    "reporter_unit": "enhet",
    "counterpart": "motpart",
    "description": "beskrivning",
    "action": "åtgärd",
}

REASON_NO_DATE = "datum saknas"
REASON_BAD_DATE = "datum kan inte tolkas"
REASON_NO_DESCRIPTION = "beskrivning saknas"


@dataclass
class IngestResult:
    """What one term's ingest produced (also written to disk)."""

    cases: pd.DataFrame  # CasesSchema
    reconciliation: pd.DataFrame  # ReconciliationSchema, last row file == "TOTALT"
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS values (Swedish headers)


def make_case_id(term: str, organisation: str, system: str, source_id: str) -> str:
    """Stable case id: ``f"{term}-{sha1(organisation|system|source_id)[:10]}"``.

    ``source_id`` is the system's own deviation number (stripped text, as in the export).
    Form rows, which have no id, use ``samverkan.ingest.sources.form_source_key``: the received
    date (fallback: event date) as YYYY-MM-DD, "|", and the first 16 hex digits of the
    sha1 of the case-folded, space-collapsed raw description. An export row whose id cell
    is empty uses ``"utan-id:"`` followed by that same key.
    """
    digest = hashlib.sha1(f"{organisation}|{system}|{source_id}".encode()).hexdigest()
    return f"{term}-{digest[:10]}"


# --- files ---------------------------------------------------------------------------


def find_export_files(raw_dir: Path, config: SourceConfig) -> list[tuple[Path, str, str]]:
    """(path, organisation, system) of every export in ``raw_dir``, sorted by name.

    Hidden files and names not of the form ``<organisation>__<system>.<ext>`` are ignored;
    an export-like name with an unknown organisation, system or extension is an InputError,
    and so are two files for the same organisation and system.
    """
    if not raw_dir.is_dir():
        raise InputError(
            raw_dir,
            "mappen för terminens exporter finns inte",
            "Skapa mappen och lägg exporterna där som <organisation>__<system>.csv eller .xlsx",
        )
    found: list[tuple[Path, str, str]] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in sorted(raw_dir.iterdir()):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        parsed = parse_file_name(path, config)
        if parsed is None:
            logger.debug("ignoring %s (not an export name)", path.name)
            continue
        if parsed in seen:
            raise InputError(
                path,
                f"två filer för {parsed[0]} och {parsed[1]} (även {seen[parsed].name})",
                "Behåll en export per organisation och system i terminens mapp",
            )
        seen[parsed] = path
        found.append((path, *parsed))
    return found


# --- parties, direction, children ----------------------------------------------------


def _matches(text: object, parties: dict[str, Party]) -> list[str]:
    if text is None or text is pd.NA:
        return []
    s = str(text)
    return [pid for pid, p in parties.items() if any(rx.search(s) for rx in p.patterns)]


def match_party(text: object, config: SourceConfig, *, default: str = "okand") -> str:
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
    side = {pid: p.side for pid, p in config.parties.items()}
    if own_side is None:
        own = u[0] if u else default
        own_side = side[own]
    else:
        own = next((p for p in (*u, *c) if side[p] == own_side), default)
    other = next((p for p in (*c, *u) if side[p] != own_side), None)
    if other is None:
        other = next((p for p in c if p != own), "okand")
    return own, other


def assign_parties(
    rows: pd.DataFrame, organisation: str, system: str, config: SourceConfig
) -> pd.DataFrame:
    """Add reporter_party, receiver_party, direction and the helper columns used later.

    The file's own side is its organisation's kind (for the form, the side of the
    reporter's role); own and other party come from ``resolve_parties``. An incoming row
    (LifeCare Riktning = Inkommande) was reported by the other party: reporter and
    receiver swap. Direction goes from the reporter's side to the receiver's side:
    kommun_till_region, region_till_kommun, else ovrigt.
    """
    spec = config.systems[system]
    own_side = config.organisations[organisation].kind if spec.reporter_is_organisation else None
    side = {pid: p.side for pid, p in config.parties.items()}
    unit = rows["reporter_unit"].astype("string").fillna("")
    counterpart = rows["counterpart"].astype("string").fillna("")
    keys = pd.Series(list(zip(unit, counterpart, strict=True)), index=rows.index, dtype=object)
    resolved = {
        k: resolve_parties(k[0] or None, k[1] or None, own_side, config, spec.default_own_party)
        for k in set(keys)
    }
    own = keys.map(lambda k: resolved[k][0])
    other = keys.map(lambda k: resolved[k][1])
    own_sides = own.map(side) if own_side is None else pd.Series(own_side, index=rows.index)
    other_side = other.map(side)
    incoming = rows["incoming"].fillna(False).astype(bool)
    reporter = own.where(~incoming, other)
    receiver = other.where(~incoming, own)
    rep_side = own_sides.where(~incoming, other_side)
    rec_side = other_side.where(~incoming, own_sides)
    direction = np.select(
        [
            (rep_side == "kommun") & (rec_side == "region"),
            (rep_side == "region") & (rec_side == "kommun"),
        ],
        ["kommun_till_region", "region_till_kommun"],
        default="ovrigt",
    )
    return rows.assign(
        reporter_party=reporter.astype(str),
        receiver_party=receiver.astype(str),
        direction=direction,
        _own_party=own.astype(str),
        _reporter_is_own=~incoming,
    )


def involves_child(rows: pd.DataFrame, system: str, config: SourceConfig) -> pd.Series:
    """True when a party is a child party, the system is a child system (school health)
    or the text names a child; False when the text names adults only; NA otherwise.

    The texts searched are the raw description, action, unit and counterpart.
    """
    child_parties = {pid for pid, p in config.parties.items() if p.child}
    text = (
        rows["description"].fillna("")
        + " \n "
        + rows["action"].fillna("")
        + " \n "
        + rows["reporter_unit"].fillna("")
        + " \n "
        + rows["counterpart"].fillna("")
    ).astype(str)
    child = rows["reporter_party"].isin(child_parties) | rows["receiver_party"].isin(child_parties)
    if system in config.child_systems:
        child = child | True
    if config.child_pattern is not None:
        child = child | text.str.contains(config.child_pattern, regex=True)
    adult = pd.Series(False, index=rows.index)
    if config.adult_pattern is not None:
        adult = text.str.contains(config.adult_pattern, regex=True)
    out = pd.Series(pd.NA, index=rows.index, dtype="boolean")
    out[adult.astype(bool)] = False
    out[child.astype(bool)] = True
    return out


# --- per file ------------------------------------------------------------------------


@dataclass
class _FileResult:
    name: str
    read: int
    excluded: int
    quarantined: int
    duplicates: int
    candidates: pd.DataFrame  # rows that are not excluded, quarantined or same-file duplicates
    quarantine: pd.DataFrame


def _is_collaboration(types: pd.Series, allowed: tuple[str, ...] | None) -> pd.Series:
    """Rows whose type is a collaboration type (case, spaces, "och"/"&"/"/" ignored)."""
    if allowed is None:
        return pd.Series(True, index=types.index)
    norm = map_text(types, normalise_category_value)
    return norm.isin(set(allowed)).fillna(False).astype(bool)


def term_dates(rows: pd.DataFrame) -> pd.Series:
    """The date that decides a row's term: the registration date when it can be read,
    else the event date (NaT when neither can)."""
    return rows["received"].fillna(rows["event_date"])


def quarantine_reasons(rows: pd.DataFrame, term: Term, reassign: bool) -> pd.Series:
    """The Swedish reason each row cannot be used ("" when it can).

    "datum saknas": neither date column has text; "datum kan inte tolkas": there is date
    text but neither date can be read; "beskrivning saknas"; "<registreringsdatum|
    händelsedatum> utanför terminen T" for the date that decided (see ``term_dates``),
    unless ``reassign``. Several reasons are joined with "; ".
    """
    has_rec = rows["received_text"].notna()
    has_evt = rows["event_text"].notna()
    term_date = term_dates(rows)
    date_reason = np.select(
        [~has_rec & ~has_evt, term_date.isna()], [REASON_NO_DATE, REASON_BAD_DATE], default=""
    )
    desc_reason = np.where(rows["description"].isna(), REASON_NO_DESCRIPTION, "")
    start, end = pd.Timestamp(term.start), pd.Timestamp(term.end)
    outside = term_date.notna() & ((term_date < start) | (term_date > end))
    which = np.where(rows["received"].notna(), "registreringsdatum", "händelsedatum")
    term_reason = np.where(
        outside & (not reassign),
        pd.Series(which, index=rows.index) + f" utanför terminen {term.code}",
        "",
    )
    out = np.asarray(date_reason, dtype=object)
    for part in (np.asarray(desc_reason, dtype=object), np.asarray(term_reason, dtype=object)):
        out = np.where(out == "", part, np.where(part == "", out, out + "; " + part))
    return pd.Series(out, index=rows.index, dtype=object).astype(str)


def _quarantine_frame(rows: pd.DataFrame, file: str, reasons: pd.Series) -> pd.DataFrame:
    q = rows.assign(file=file, reason=reasons)
    return q[list(QUARANTINE_COLUMNS)].rename(columns=QUARANTINE_COLUMNS)


def process_file(
    table: ExportTable,
    path: Path,
    organisation: str,
    system: str,
    term: Term,
    config: SourceConfig,
    *,
    reassign: bool,
) -> _FileResult:
    """Classify one file's rows into excluded, quarantined, same-file duplicates and cases.

    Same-file duplicates: rows with the same source id (for the form: the same received
    date and description) as an earlier usable row of the file; the first one is kept.
    """
    rows = table.rows
    read = len(rows)
    allowed = config.organisations[organisation].systems[system]
    collab = _is_collaboration(rows["source_type"], allowed)
    rows = rows[collab]
    reasons = quarantine_reasons(rows, term, reassign)
    bad = reasons != ""
    quarantine = _quarantine_frame(rows[bad], path.name, reasons[bad])
    good = rows[~bad].copy()
    # rows of an id-carrying system without an id get the form's content key
    date = term_dates(good)
    missing = good["source_id"].isna()
    if missing.any():
        good.loc[missing, "source_id"] = "utan-id:" + form_source_key(
            date[missing], good.loc[missing, "description"]
        )
    good["received"] = date
    dup = good["source_id"].duplicated(keep="first")
    candidates = good[~dup]
    if reassign:
        moved = int(((date < pd.Timestamp(term.start)) | (date > pd.Timestamp(term.end))).sum())
        if moved:
            logger.debug(
                "%s: %d rows dated outside %s kept in it (reassign on)", path.name, moved, term.code
            )
    candidates = assign_parties(candidates, organisation, system, config)
    candidates = candidates.assign(
        involves_child=involves_child(candidates, system, config),
        organisation=organisation,
        system=system,
        source_file=path.name,
        _kind=config.organisations[organisation].kind,
    )
    return _FileResult(
        name=path.name,
        read=read,
        excluded=int((~collab).sum()),
        quarantined=int(bad.sum()),
        duplicates=int(dup.sum()),
        candidates=candidates,
        quarantine=quarantine,
    )


# --- de-identification and cases -----------------------------------------------------


def _redact_column(values: pd.Series) -> pd.Series:
    """``samverkan.privacy.redaction.redact`` once per distinct non-empty text."""
    from samverkan.privacy.redaction import (
        redact,  # imported late: written in parallel, heavy to import
    )

    uniq = {t: redact(t) for t in pd.unique(values.dropna())}
    return values.map(uniq, na_action="ignore").astype("string")


def _clean_action(action: pd.Series, config: SourceConfig) -> pd.Series:
    norm = map_text(action, normalise_value)
    return action.mask(norm.isin(config.no_action_values).fillna(False).astype(bool))


_TOKEN = re.compile(r"\w{2,}")


def _tokens(text: object) -> frozenset[str]:
    if text is None or text is pd.NA:
        return frozenset()
    return frozenset(_TOKEN.findall(str(text).casefold()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Token-set Jaccard similarity |A∩B| / |A∪B| (0 for two empty sets)."""
    common = len(a & b)
    union = len(a) + len(b) - common
    return common / union if union else 0.0


def _candidate_pairs(
    df: pd.DataFrame,
    date: np.ndarray,
    tokens: list[frozenset[str]],
    max_days_apart: int,
    min_text_similarity: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs meeting conditions (1)-(3) of the linking rule, vectorised.

    Also drops pairs whose token counts alone rule out the similarity threshold (Jaccard
    is at most min(|A|, |B|) / max(|A|, |B|)).
    """
    n = len(df)
    order = np.argsort(date, kind="stable")
    sorted_dates = date[order]
    window = np.timedelta64(int(max_days_apart), "D")
    hi = np.searchsorted(sorted_dates, sorted_dates + window, side="right")
    counts = np.clip(hi - (np.arange(n) + 1), 0, None)
    first = np.repeat(np.arange(n), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    i, j = order[first], order[first + 1 + offsets]
    file_code = pd.factorize(df["source_file"])[0]
    kind = df["_kind"].to_numpy()
    own = df["_own_party"].to_numpy()
    recv = df["receiver_party"].to_numpy()
    named = (own[i] != "okand") & (recv[j] == own[i]) & (recv[i] == own[j])
    keep = (file_code[i] != file_code[j]) & ((kind[i] != kind[j]) | named)
    size = np.array([len(t) for t in tokens], dtype=float)
    small, large = np.minimum(size[i], size[j]), np.maximum(size[i], size[j])
    keep &= (small > 0) & (small >= min_text_similarity * large)
    return i[keep], j[keep]


def link_reported_by_both(
    cases: pd.DataFrame, *, max_days_apart: int, min_text_similarity: float
) -> tuple[pd.DataFrame, pd.Series]:
    """Link incidents reported by both parties; return (kept cases, dropped-row file names).

    Matching rule: two cases are one incident when
    (1) they come from different files of the term;
    (2) one file's organisation is a kommun and the other's the region, or each row's
        receiving party is the other row's own (reporting-side) party;
    (3) their event dates (fallback: received dates) lie at most ``max_days_apart`` days
        apart; and
    (4) the token-set Jaccard similarity of their de-identified descriptions (case-folded
        word tokens of two or more letters) is at least ``min_text_similarity``.
    Each case is linked at most once: candidate pairs are taken in order of falling
    similarity (ties: by case_id), skipping cases already linked.

    The reporter's row is kept: the row whose own organisation reported the incident (not
    an incoming row); if both or neither did, the row received first (ties: file name).
    The kept row gets reported_by_both = True and linked_file = the other file; its
    receiving party, action and involves_child are filled from the other row where it has
    none. The other row is counted as a duplicate in its own file.
    """
    n = len(cases)
    if n < 2:
        return cases, pd.Series([], dtype=str)
    df = cases.reset_index(drop=True)
    date = df["event_date"].fillna(df["received"]).to_numpy(dtype="datetime64[D]")
    tokens = [_tokens(t) for t in df["description"]]
    files = df["source_file"].astype(str).to_numpy()
    rep_own = df["_reporter_is_own"].to_numpy(dtype=bool)
    own = df["_own_party"].astype(str).to_numpy()
    case_ids = df["case_id"].astype(str).tolist()
    i_idx, j_idx = _candidate_pairs(df, date, tokens, max_days_apart, min_text_similarity)
    pairs: list[tuple[float, str, int, int]] = []
    sizes = [len(t) for t in tokens]
    for i, j in zip(i_idx.tolist(), j_idx.tolist(), strict=True):
        common = len(tokens[i] & tokens[j])  # jaccard(), inlined: this loop is the hot spot
        sim = common / (sizes[i] + sizes[j] - common)
        if sim >= min_text_similarity:
            pairs.append((-sim, min(case_ids[i], case_ids[j]), i, j))
    pairs.sort()
    used: set[int] = set()
    drop: list[int] = []
    df["reported_by_both"] = df["reported_by_both"].astype(bool)
    for _, _, i, j in pairs:
        if i in used or j in used:
            continue
        used.update((i, j))
        key_i = (not rep_own[i], df.at[i, "received"], files[i])
        key_j = (not rep_own[j], df.at[j, "received"], files[j])
        keep, other = (i, j) if key_i <= key_j else (j, i)
        df.at[keep, "reported_by_both"] = True
        df.at[keep, "linked_file"] = files[other]
        if df.at[keep, "receiver_party"] == "okand":
            df.at[keep, "receiver_party"] = own[other]
        if pd.isna(df.at[keep, "action"]) and not pd.isna(df.at[other, "action"]):
            df.at[keep, "action"] = df.at[other, "action"]
        if pd.isna(df.at[keep, "involves_child"]):
            df.at[keep, "involves_child"] = df.at[other, "involves_child"]
        drop.append(other)
    dropped_files = df.loc[drop, "source_file"].astype(str)
    logger.debug("linked %d incidents reported by both parties", len(drop))
    return df.drop(index=drop), dropped_files.reset_index(drop=True)


def _direction_from_parties(df: pd.DataFrame, config: SourceConfig) -> pd.Series:
    """Recompute direction after linking filled in a receiving party."""
    side = {pid: p.side for pid, p in config.parties.items()}
    kind_rep = df["_kind"].where(
        df["_reporter_is_own"].astype(bool), df["reporter_party"].map(side)
    )
    kind_rec = (
        df["receiver_party"].map(side).where(df["_reporter_is_own"].astype(bool), df["_kind"])
    )
    # the form's own side is its reporter's party side
    form = df["system"] == "form"
    kind_rep = kind_rep.where(~form, df["reporter_party"].map(side))
    kind_rec = kind_rec.where(~form, df["receiver_party"].map(side))
    return pd.Series(
        np.select(
            [
                (kind_rep == "kommun") & (kind_rec == "region"),
                (kind_rep == "region") & (kind_rec == "kommun"),
            ],
            ["kommun_till_region", "region_till_kommun"],
            default="ovrigt",
        ),
        index=df.index,
    )


def build_cases(
    candidates: pd.DataFrame,
    term: Term,
    config: SourceConfig,
    *,
    max_days_apart: int,
    min_text_similarity: float,
) -> tuple[pd.DataFrame, Counter[str]]:
    """Candidates of all files -> the cases table and the cross-file duplicates per file."""
    if candidates.empty:
        return CasesSchema.coerce_dtype(pd.DataFrame({c: [] for c in CASE_COLUMNS})), Counter()
    df = candidates.reset_index(drop=True)
    df["action"] = _clean_action(df["action"], config)
    df["description"] = _redact_column(df["description"])
    df["action"] = _redact_column(df["action"])
    df["case_id"] = [
        make_case_id(term.code, o, s, str(i))
        for o, s, i in zip(df["organisation"], df["system"], df["source_id"], strict=True)
    ]
    df["term"] = term.code
    df["reported_by_both"] = False
    df["linked_file"] = pd.array([None] * len(df), dtype="string")
    df, dropped = link_reported_by_both(
        df, max_days_apart=max_days_apart, min_text_similarity=min_text_similarity
    )
    df["direction"] = _direction_from_parties(df, config)
    df["has_action"] = df["action"].notna() & (df["action"].str.strip() != "")
    df = df.sort_values(["received", "case_id"], kind="stable")
    cases = df[list(CASE_COLUMNS)].reset_index(drop=True)
    return CasesSchema.validate(cases), Counter(dropped)


# --- the stage -----------------------------------------------------------------------


def _reconciliation(results: list[_FileResult], linked: Counter[str]) -> pd.DataFrame:
    rows = []
    for r in results:
        dups = r.duplicates + linked.get(r.name, 0)
        kept = r.read - r.excluded - r.quarantined - dups
        rows.append([r.name, r.read, kept, r.excluded, dups, r.quarantined])
    recon = pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)
    total = recon[RECONCILIATION_COLUMNS[1:]].sum()
    recon.loc[len(recon)] = [TOTAL_ROW, *(int(v) for v in total)]
    recon = recon.astype({c: "int64" for c in RECONCILIATION_COLUMNS[1:]})
    return ReconciliationSchema.validate(recon)


def ingest_term(
    term: str,
    raw_dir: Path,
    out_dir: Path,
    quarantine_dir: Path,
    *,
    config_dir: Path,
    reassign_out_of_term: bool = False,
    max_days_apart: int = 3,
    min_text_similarity: float = 0.6,
) -> IngestResult:
    """Ingest one term: read every export in ``raw_dir``, write cases, reconciliation and
    quarantine. Any unusable file raises InputError before anything is written.

    With ``reassign_out_of_term`` on, rows dated outside the term are kept in it instead
    of being quarantined (the analyst has decided they belong to this term's delivery).
    """
    raw_dir, out_dir, quarantine_dir = Path(raw_dir), Path(out_dir), Path(quarantine_dir)
    try:
        t = parse_term(term)
    except ValueError as exc:
        raise InputError(
            raw_dir, f"ogiltig termin {term!r}", "Ange terminen som år + VT eller HT, t.ex. 2025HT"
        ) from exc
    config = load_source_config(config_dir)
    files = find_export_files(raw_dir, config)
    results = []
    for path, org, system in files:
        table = read_export(path, system, config)
        results.append(
            process_file(table, path, org, system, t, config, reassign=reassign_out_of_term)
        )
    candidates = (
        pd.concat([r.candidates for r in results], ignore_index=True) if results else pd.DataFrame()
    )
    cases, linked = build_cases(
        candidates,
        t,
        config,
        max_days_apart=max_days_apart,
        min_text_similarity=min_text_similarity,
    )
    reconciliation = _reconciliation(results, linked)
    quarantine = (
        pd.concat([r.quarantine for r in results], ignore_index=True)
        if results
        else pd.DataFrame(columns=list(QUARANTINE_COLUMNS.values()))
    )
    if quarantine.empty:
        quarantine = pd.DataFrame(columns=list(QUARANTINE_COLUMNS.values()))

    # Quarantine first (its own file), then cases and reconciliation: both or neither.
    write_atomic(
        quarantine_dir / QUARANTINE_FILE,
        lambda p: quarantine.to_csv(p, index=False, sep=";", encoding="utf-8-sig"),
    )
    with (
        atomic_path(out_dir / "cases.parquet") as tmp_cases,
        atomic_path(out_dir / "reconciliation.csv") as tmp_recon,
    ):
        cases.to_parquet(tmp_cases, index=False)
        reconciliation.to_csv(tmp_recon, index=False)
    total = reconciliation.iloc[-1]
    logger.debug(
        "%s: %d files, %d rows read, %d cases, %d excluded, %d duplicates, %d quarantined",
        t.code,
        len(results),
        total["read"],
        total["kept"],
        total["excluded"],
        total["duplicates"],
        total["quarantined"],
    )
    return IngestResult(cases=cases, reconciliation=reconciliation, quarantine=quarantine)
