"""One file's rows: collaboration rows, the term they belong to, quarantine, duplicates.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from samverkan.ingest.parties import assign_parties, involves_child
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
    """How one file's rows were classified."""

    name: str
    read: int
    excluded: int
    quarantined: int
    duplicates: int
    candidates: pd.DataFrame  # rows that are not excluded, quarantined or same-file duplicates
    quarantine: pd.DataFrame


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


def process_file(
    table: ExportTable,
    path: Path,
    organisation: str,
    system: str,
    term: Term,
    config: SourceConfig,
    *,
    reassign: bool,
) -> FileResult:
    """Classify one file's rows into excluded, quarantined, same-file duplicates and cases.

    Same-file duplicates: rows with the same source id (for the form: the same received
    date and description) as an earlier usable row of the file; the first one is kept.
    """
    rows = table.rows
    allowed = config.organisations[organisation].systems[system]
    collab = is_collaboration(rows["source_type"], allowed)
    rows = _where(rows, collab)
    if allowed is None:  # a type not checked against organisations.yaml is free text
        rows = rows.assign(source_type=pd.array([None] * len(rows), dtype="string"))
    reasons = quarantine_reasons(rows, term, reassign)
    bad = reasons != ""
    good = keyed_rows(_where(rows, ~bad))
    dup = good["source_id"].duplicated(keep="first")
    if reassign:
        _log_reassigned(good, path.name, term)
    candidates = assign_parties(_where(good, ~dup), organisation, system, config)
    candidates = candidates.assign(
        involves_child=involves_child(candidates, system, config),
        organisation=organisation,
        system=system,
        source_file=path.name,
        _kind=config.organisations[organisation].kind,
    )
    return FileResult(
        name=path.name,
        read=len(table.rows),
        excluded=int((~collab).sum()),
        quarantined=int(bad.sum()),
        duplicates=int(dup.sum()),
        candidates=candidates,
        quarantine=quarantine_frame(rows[bad], path.name, reasons[bad]),
    )
