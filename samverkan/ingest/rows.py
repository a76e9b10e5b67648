"""A term's rows: collaboration rows, the term they belong to, quarantine, duplicates.

All files of a term are classified as one table (``process_files``), each row by the
rules of its own file (organisation and system).

Per row, in this order: a row whose type is not a collaboration type is *excluded*; a
collaboration row without a date, with a filled date cell that is no date (an impossible
day such as 2026-02-30 or text such as "snart": never replaced by the other date),
without a description or dated outside the term is *quarantined* (reason in Swedish); a
row whose source id already occurred in the same file is a *duplicate*; the rest are
candidates for the term's cases. Every row the reader returned is counted in exactly one
of these (read = kept + excluded + duplicates + quarantined).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from samverkan.ingest.parties import assign_parties_rows, file_sides, involves_child_rows
from samverkan.ingest.sources import ExportTable, SourceConfig, form_source_key
from samverkan.ingest.sources.catalog import map_text, normalise_category_value
from samverkan.ingest.sources.dates import impossible_dates
from samverkan.project.terms import Term

logger = logging.getLogger(__name__)

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
    "outcome": "uppföljning",
    "feedback_text": "återkopplingsdatum",
}

REASON_NO_DATE = "datum saknas"
REASON_BAD_DATE = "datum kan inte tolkas"
REASON_NO_DESCRIPTION = "beskrivning saknas"
NO_ID_PREFIX = "utan-id:"


@dataclass
class FileResult:
    """How one file's rows were classified (read = kept + excluded + quarantined +
    duplicates, the kept rows being the file's candidates)."""

    name: str
    read: int
    excluded: int
    quarantined: int
    duplicates: int


@dataclass
class TermRows:
    """A term's files classified: the counts per file, in file order, and the rows."""

    files: list[FileResult]
    candidates: pd.DataFrame  # rows that are not excluded, quarantined or same-file duplicates
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS values (Swedish headers)


@dataclass(frozen=True)
class ExportFile:
    """One read export of a term: its rows and where they came from."""

    table: ExportTable
    path: Path
    organisation: str
    system: str


def is_collaboration(types: pd.Series, allowed: tuple[str, ...] | None) -> pd.Series:
    """Rows whose type is a collaboration type (case, spaces, "och"/"&"/"/" ignored).

    ``allowed`` None (organisations.yaml ``null``, the form): every row."""
    if allowed is None:
        return pd.Series(True, index=types.index)
    norm = map_text(types, normalise_category_value)
    return norm.isin(set(allowed)).fillna(False).astype(bool)


def term_dates(rows: pd.DataFrame) -> pd.Series:
    """The date that decides a row's term: the registration date when it can be read,
    else the event date (NaT when neither can)."""
    return rows["received"].fillna(rows["event_date"])


def _outside(dates: pd.Series, term: Term) -> pd.Series:
    """Dates before the term's first or after its last day."""
    return (dates < pd.Timestamp(term.start)) | (dates > pd.Timestamp(term.end))


def _join_reasons(*parts: np.ndarray) -> pd.Series:
    """Join per-row reason arrays with "; ", skipping empty ones."""
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        part = np.asarray(part, dtype=object)
        out = np.where(out == "", part, np.where(part == "", out, out + "; " + part))
    return pd.Series(out, dtype=object)


def _date_column_reasons(rows: pd.DataFrame) -> np.ndarray:
    """Per row: each filled date cell that is no date, named by its column (registration,
    event and feedback date).

    A registration date that cannot be read is never replaced by the event date: the row
    goes to quarantine, so a typo (``2026-02-30``) is corrected at the source.
    """
    parts = []
    for text, parsed, label in (
        ("received_text", "received", "registreringsdatum"),
        ("event_text", "event_date", "händelsedatum"),
        ("feedback_text", "feedback_date", "återkopplingsdatum"),
    ):
        if text not in rows:  # a frame built without the optional feedback date
            continue
        bad = rows[text].notna() & rows[parsed].isna()
        impossible = pd.Series(False, index=rows.index)
        if bad.any():  # rare: only the unreadable cells are looked at again
            impossible[bad] = impossible_dates(rows.loc[bad, text])
        parts.append(
            np.select(
                [impossible.to_numpy(), bad.to_numpy()],
                [f"{label} finns inte i kalendern", f"{label} kan inte tolkas"],
                default="",
            )
        )
    return _join_reasons(*parts).to_numpy()


def quarantine_reasons(rows: pd.DataFrame, term: Term, reassign: bool) -> pd.Series:
    """The Swedish reason each row cannot be used ("" when it can).

    "datum saknas": neither date column has text; "<registreringsdatum|händelsedatum>
    finns inte i kalendern" (31 April) or "... kan inte tolkas": a filled date cell that
    is no date (see ``_date_column_reasons``); "beskrivning saknas";
    "<registreringsdatum|händelsedatum> utanför terminen T" for the date that decided
    (see ``term_dates``), unless ``reassign``. Several reasons are joined with "; ".
    """
    has_rec = rows["received_text"].notna()
    has_evt = rows["event_text"].notna()
    term_date = term_dates(rows)
    date_reason = np.where(~has_rec & ~has_evt, REASON_NO_DATE, _date_column_reasons(rows))
    desc_reason = np.where(rows["description"].isna(), REASON_NO_DESCRIPTION, "")
    outside = term_date.notna() & _outside(term_date, term) & (date_reason == "")
    which = np.where(rows["received"].notna(), "registreringsdatum", "händelsedatum")
    term_reason = np.where(
        outside & (not reassign),
        pd.Series(which, index=rows.index) + f" utanför terminen {term.code}",
        "",
    )
    out = _join_reasons(date_reason, desc_reason, term_reason)
    return out.set_axis(rows.index).astype(str)


def quarantine_frame(rows: pd.DataFrame, file: str, reasons: pd.Series) -> pd.DataFrame:
    """Quarantined rows with their file and reason, under Swedish headers."""
    q = rows.assign(file=file, reason=reasons)
    return q[list(QUARANTINE_COLUMNS)].rename(columns=QUARANTINE_COLUMNS)


def keyed_rows(good: pd.DataFrame) -> pd.DataFrame:
    """Usable rows with ``received`` = the term date and a source id on every row.

    Rows of an id-carrying system without an id get "utan-id:" + the form's content key
    (``form_source_key``).
    """
    good = good.copy()
    date = term_dates(good)
    missing = good["source_id"].isna()
    if missing.any():
        good.loc[missing, "source_id"] = NO_ID_PREFIX + form_source_key(
            date[missing], good.loc[missing, "description"]
        )
    good["received"] = date
    return good


def _log_reassigned(rows: pd.DataFrame, name: str, term: Term) -> None:
    moved = int(_outside(rows["received"], term).sum())
    if moved:
        logger.debug(
            "%s: %d rows dated outside %s kept in it (reassign on)", name, moved, term.code
        )


def _where(rows: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """The rows where ``keep`` is True (the frame itself when it keeps every row: a
    selection copies every column, and most files keep every row)."""
    return rows if bool(keep.all()) else rows[keep]


def _collaboration(
    types: pd.Series, file_no: np.ndarray, allowed: list[tuple[str, ...] | None]
) -> np.ndarray:
    """``is_collaboration`` of every row, with the allowed types of its file: once per
    distinct list of allowed types (files of one system mostly share theirs)."""
    norm = map_text(types, normalise_category_value)
    out = np.zeros(len(types), dtype=bool)
    for kinds in dict.fromkeys(allowed):
        files = np.flatnonzero([a == kinds for a in allowed])
        at = np.isin(file_no, files)
        if kinds is None:
            out[at] = True
        else:
            out[at] = norm[at].isin(set(kinds)).fillna(False).astype(bool).to_numpy()
    return out


def _per_file(values: Sequence[str | None]) -> np.ndarray:
    """One value per file, to be indexed by each row's file number."""
    return np.array(values, dtype=object)


def _with_parties(
    rows: pd.DataFrame, files: list[ExportFile], names: np.ndarray, config: SourceConfig
) -> pd.DataFrame:
    """Candidate rows with their parties, direction and child flag, each by its own
    file's organisation and system, and the columns naming where they came from."""
    at = rows["_file"].to_numpy()
    sides = [file_sides(f.organisation, f.system, config) for f in files]
    rows = assign_parties_rows(
        rows,
        _per_file([s for s, _ in sides])[at],
        _per_file([d for _, d in sides])[at],
        config,
    )
    child_system = np.array([f.system in config.child_systems for f in files], dtype=bool)
    return rows.assign(
        involves_child=involves_child_rows(rows, child_system[at], config),
        organisation=_per_file([f.organisation for f in files])[at],
        system=_per_file([f.system for f in files])[at],
        source_file=names[at],
        _kind=_per_file([config.organisations[f.organisation].kind for f in files])[at],
    ).drop(columns="_file")


def process_files(
    files: list[ExportFile], term: Term, config: SourceConfig, *, reassign: bool
) -> TermRows:
    """Classify the rows of a term's files into excluded, quarantined, same-file
    duplicates and cases, all files as one table (each row knows its file).

    Same-file duplicates: rows with the same source id (for the form: the same received
    date and description) as an earlier usable row of the same file; the first one is kept.
    """
    if not files:
        return TermRows([], pd.DataFrame(), pd.DataFrame(columns=list(QUARANTINE_COLUMNS.values())))
    read = [len(f.table.rows) for f in files]
    file_no = np.repeat(np.arange(len(files)), read)
    rows = pd.concat([f.table.rows for f in files], ignore_index=True).assign(_file=file_no)
    allowed = [config.organisations[f.organisation].systems[f.system] for f in files]
    collab = _collaboration(rows["source_type"], file_no, allowed)
    rows = _where(rows, pd.Series(collab, index=rows.index))
    free = np.array([a is None for a in allowed], dtype=bool)[rows["_file"].to_numpy()]
    if free.any():  # a type not checked against organisations.yaml is free text
        rows = rows.assign(source_type=rows["source_type"].mask(free))
    reasons = quarantine_reasons(rows, term, reassign)
    bad = reasons != ""
    good = keyed_rows(_where(rows, ~bad))
    dup = good[["_file", "source_id"]].duplicated(keep="first")
    names = _per_file([f.path.name for f in files])
    if reassign:
        for k, part in good.groupby("_file", sort=True):
            _log_reassigned(part, names[int(k)], term)
    candidates = _with_parties(_where(good, ~dup), files, names, config)
    counts = [
        np.bincount(file_no[~collab], minlength=len(files)),
        np.bincount(rows["_file"].to_numpy()[bad.to_numpy()], minlength=len(files)),
        np.bincount(good["_file"].to_numpy()[dup.to_numpy()], minlength=len(files)),
    ]
    quarantined = rows[bad]
    return TermRows(
        files=[
            FileResult(str(name), n, int(x), int(q), int(d))
            for name, n, x, q, d in zip(names, read, *counts, strict=True)
        ],
        candidates=candidates.reset_index(drop=True),
        quarantine=quarantine_frame(
            quarantined, names[quarantined["_file"].to_numpy()], reasons[bad]
        ).reset_index(drop=True),
    )
