"""The ingest stage: a term's raw exports -> cases, reconciliation and quarantine.

``ingest_term`` reads every ``<organisation>__<system>.<csv|xlsx>`` in the term's raw
folder and refuses anything else there with one line (``files``), replaces identity
numbers by keyed pseudonyms right after reading (``pseudonym``), keeps the rows whose
deviation type marks a collaboration case (per organisation and system,
config/organisations.yaml), quarantines rows it cannot use and drops same-file
duplicates (``rows``), finds reporter and receiver (``parties``), de-identifies the free
text (description, action, outcome, status) with ``samverkan.privacy.redact`` and links incidents
reported by both parties (``cases``, ``linking``), and writes (``outputs``):

- ``out_dir/cases.parquet`` (validated by ``cases_schema``), ``out_dir/reconciliation.csv``
  (one row per file plus ``TOTALT``; read = kept + excluded + duplicates + quarantined)
  and ``out_dir/ingest.json`` (the duplicate rule and reassign_out_of_term it used), all
  or none (temporary files renamed at the end);
- ``quarantine_dir/quarantine.csv``: the unusable rows with their reason in Swedish. It
  holds personal data and lives beside the raw data, never under data/processed/; the
  folder is 0700, the file 0600, and every cell is inert in a spreadsheet program.

The summary per file is logged (INFO, Swedish) under the validated file names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samverkan.ingest.cases import build_cases, make_case_id
from samverkan.ingest.files import find_export_files
from samverkan.ingest.linking import DuplicateRule
from samverkan.ingest.outputs import (
    TOTAL_ROW,
    quarantine_table,
    reconciliation,
    settings_record,
    write_outputs,
)
from samverkan.ingest.parallel import map_ordered
from samverkan.ingest.pseudonym import Pseudonymiser, secret_path
from samverkan.ingest.rows import ExportFile, TermRows, process_files
from samverkan.ingest.sources import SourceConfig, load_source_config, read_export
from samverkan.project.errors import InputError
from samverkan.project.terms import Term, parse_term
from samverkan.project.tuning import bulk_work, default_storage

__all__ = ["DuplicateRule", "IngestResult", "ingest_term", "make_case_id"]

logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What one term's ingest produced (also written to disk)."""

    cases: pd.DataFrame  # cases_schema(vocab)
    reconciliation: pd.DataFrame  # ReconciliationSchema, last row file == "TOTALT"
    quarantine: pd.DataFrame  # rows.QUARANTINE_COLUMNS values (Swedish headers)


def _term(term: str, raw_dir: Path) -> Term:
    try:
        return parse_term(term)
    except ValueError as exc:
        raise InputError(
            raw_dir, f"ogiltig termin {term!r}", "Ange terminen som år + VT eller HT, t.ex. 2025HT"
        ) from exc


# From this many bytes of exports in a term on, its files are read by the worker processes
PARALLEL_BYTES = 1_000_000
_FileJob = tuple[Path, str, str, SourceConfig, Pseudonymiser]


def _read_one(job: _FileJob) -> ExportFile | tuple[str, str, str]:
    """One export read, its identity numbers replaced; for an unusable file the (path,
    problem, fix) of its InputError, returned so that it crosses from a worker process
    intact and is raised in file order."""
    path, org, system, config, pseudo = job
    try:
        with bulk_work():  # in a worker process too
            table = pseudo.apply(read_export(path, system, config), f"{org}__{system}")
            return ExportFile(table, path, org, system)
    except InputError as exc:
        return (exc.path, exc.problem, exc.fix)


def _read_files(
    raw_dir: Path, term: Term, config: SourceConfig, reassign: bool, pseudo: Pseudonymiser
) -> TermRows:
    """Read every export of the term, then classify their rows as one table; the first
    unusable file (in name order) raises. Identity numbers become keyed pseudonyms right
    after reading (``pseudonym``). A large term's files are read over the machine's cores."""
    found = find_export_files(raw_dir, config)
    jobs = [(path, org, system, config, pseudo) for path, org, system in found]
    size = sum(path.stat().st_size for path, _, _ in found)
    read = map_ordered(_read_one, jobs, parallel=size >= PARALLEL_BYTES)
    for result in read:
        if isinstance(result, tuple):
            raise InputError(*result)
    return process_files(read, term, config, reassign=reassign)  # type: ignore[arg-type]


def _log_totals(term: Term, recon: pd.DataFrame) -> None:
    """The ingest summary per file and in total, in Swedish (INFO: shown in the terminal).
    File names are the validated ``<organisation>__<system>`` names, never raw ones."""
    for _, r in recon.iterrows():
        logger.info(
            "%s %s: %d rader lästa, %d fall, %d andra avvikelsetyper, %d dubbletter, %d i karantän",
            term.code,
            "totalt" if r["file"] == TOTAL_ROW else r["file"],
            r["read"],
            r["kept"],
            r["excluded"],
            r["duplicates"],
            r["quarantined"],
        )


def ingest_term(
    term: str,
    raw_dir: Path,
    out_dir: Path,
    quarantine_dir: Path,
    *,
    config_dir: Path,
    duplicates: DuplicateRule,
    reassign_out_of_term: bool = False,
    secret_file: Path | None = None,
) -> IngestResult:
    """Ingest one term: read every export in ``raw_dir``, write cases, reconciliation,
    ingest.json and quarantine. Any unusable file raises InputError before anything is
    written.

    ``duplicates`` is the rule for incidents reported by both parties
    (``DuplicateRule.from_params(params["ingest"]["duplicates"])``). With
    ``reassign_out_of_term`` on, rows dated outside the term are kept in it instead of
    being quarantined (the analyst has decided they belong to this term's delivery).
    ``secret_file``: the key of person pseudonyms (default: ``pseudonym.secret_path``).
    """
    raw_dir, out_dir, quarantine_dir = Path(raw_dir), Path(out_dir), Path(quarantine_dir)
    t = _term(term, raw_dir)
    config = load_source_config(config_dir)
    pseudo = Pseudonymiser(
        secret_path(Path(config_dir), secret_file), enabled=duplicates.link_by_person_id
    )
    with bulk_work():
        rows = _read_files(raw_dir, t, config, reassign_out_of_term, pseudo)
        cases, linked = build_cases(rows.candidates, t, config, duplicates)
        recon = reconciliation(rows.files, linked)
        quarantine = quarantine_table(rows.quarantine)
        write_outputs(
            out_dir,
            quarantine_dir,
            cases=cases,
            reconciliation=recon,
            quarantine=quarantine,
            settings=settings_record(duplicates, reassign_out_of_term),
        )
    _log_totals(t, recon)
    return IngestResult(
        cases=default_storage(cases),
        reconciliation=default_storage(recon),
        quarantine=default_storage(quarantine),
    )
