"""The `samverkan` command: thin wrappers over the package's functions.

Expected problems (a bad export, a malformed config file) print one line naming the file,
what is wrong and what to do, and exit with status 2. An unexpected error prints its type
and where it happened, not its message (which could quote case data); set
SAMVERKAN_DEBUG=1 for the full traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from samverkan.project.errors import InputError

log = logging.getLogger("samverkan.cli")

app = typer.Typer(
    name="samverkan",
    help="Avvikelser i samverkan: från råexporter till terminsrapport och årsrapport.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

TermOpt = Annotated[str, typer.Option("--term", "-t", help="Termin, t.ex. 2025HT")]


def _root() -> Path:
    from samverkan.project.paths import project_root

    return project_root()


def _fail(message: str, code: int) -> None:
    typer.echo(f"samverkan: fel: {message}", err=True)
    raise typer.Exit(code)


def guarded(func: F) -> F:
    """Turn expected errors into one clear line and exit 2; hide unexpected messages."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from samverkan.project.paths import NoProjectRoot
        from samverkan.runner import NotebookFailed

        try:
            return func(*args, **kwargs)
        except InputError as exc:
            _fail(str(exc), 2)
        except NotebookFailed as exc:
            if exc.ename == "InputError":
                _fail(exc.evalue, 2)
            _fail(
                f"{exc.notebook} stoppade med {exc.ename}. Körningen finns i {exc.record} "
                "(innehåller inga personuppgifter); sätt SAMVERKAN_DEBUG=1 för detaljer.",
                1,
            )
        except NoProjectRoot as exc:
            _fail(str(exc), 2)
        except FileNotFoundError as exc:
            if os.environ.get("SAMVERKAN_DEBUG"):
                raise
            _fail(f"{exc.filename or 'en fil'}: finns inte", 2)
        except (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("SAMVERKAN_DEBUG"):
                raise
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            _fail(
                f"oväntat fel {type(exc).__name__} i {Path(frame.filename).name}:{frame.lineno}"
                " (meddelandet visas inte eftersom det kan innehålla ärendedata; "
                "sätt SAMVERKAN_DEBUG=1 för hela felet)",
                1,
            )

    return wrapper  # type: ignore[return-value]


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Visa fler loggrader")] = False,
) -> None:
    from samverkan.project import logs

    try:
        root = _root()
    except FileNotFoundError:
        root = None
    logs.configure(logging.DEBUG if verbose else logging.INFO, root)


@app.command()
@guarded
def ingest(
    term: TermOpt,
    raw_dir: Annotated[Path | None, typer.Option(help="Standard: data/raw/TERM")] = None,
    out_dir: Annotated[Path | None, typer.Option(help="Standard: data/processed/TERM")] = None,
    quarantine_dir: Annotated[
        Path | None, typer.Option(help="Standard: data/quarantine/TERM")
    ] = None,
) -> None:
    """Läs en termins exporter: fall, avstämning av rader och karantän."""
    from samverkan.ingest.stage import DuplicateRule, ingest_term
    from samverkan.project.paths import TermPaths, config_dir
    from samverkan.project.settings import load_params

    root = _root()
    paths = TermPaths.for_term(term, root)
    settings = load_params(root)["ingest"]
    result = ingest_term(
        term,
        raw_dir or paths.raw,
        out_dir or paths.processed,
        quarantine_dir or paths.quarantine,
        config_dir=config_dir(root),
        duplicates=DuplicateRule.from_params(settings["duplicates"]),
        reassign_out_of_term=bool(settings["reassign_out_of_term"]),
    )
    total = result.reconciliation.iloc[-1]
    typer.echo(
        f"{term}: {total['read']} rader lästa, {total['kept']} fall, {total['excluded']} "
        f"andra avvikelsetyper, {total['duplicates']} dubbletter, "
        f"{total['quarantined']} i karantän"
    )


@app.command("coding-sheet")
@guarded
def coding_sheet(term: TermOpt) -> None:
    """Skapa eller utöka kodningsarket data/coding/TERM/kodning.xlsx (skriver aldrig över)."""
    from samverkan.coding.code import run_sheet_stage
    from samverkan.project.paths import TermPaths, config_dir

    root = _root()
    paths = TermPaths.for_term(term, root)
    run_sheet_stage(term, paths.processed, paths.coding, config_dir=config_dir(root))
    typer.echo(f"Kodningsark: {paths.coding_sheet.relative_to(root)}")


@app.command()
@guarded
def code(term: TermOpt) -> None:
    """Koda orsaker: automatiska förslag + analytikernas kodning + överensstämmelse."""
    from samverkan.coding.code import run_code_stage
    from samverkan.project.paths import TermPaths, config_dir
    from samverkan.project.settings import load_params

    root = _root()
    paths = TermPaths.for_term(term, root)
    min_cases = int(load_params(root)["coding"]["min_cases_for_agreement"])
    run_code_stage(
        term, paths.processed, paths.coding, config_dir=config_dir(root), min_cases=min_cases
    )
    typer.echo(f"Kodade fall: {paths.coded_cases.relative_to(root)}")


@app.command("run-notebook")
@guarded
def run_notebook_cmd(
    name: Annotated[str, typer.Argument(help="Anteckningsbok, t.ex. 01_ingest eller ingest")],
    term: Annotated[str | None, typer.Option("--term", "-t")] = None,
    year: Annotated[str | None, typer.Option("--year", "-y")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="NAMN=VÄRDE, kan upprepas"),
    ] = None,
) -> None:
    """Kör en steg-anteckningsbok med papermill på projektets kärna (som dvc repro gör)."""
    from samverkan.runner import parse_parameters, run_notebook

    pairs: list[tuple[str, str]] = []
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            _fail(f"--param {item!r}: skriv NAMN=VÄRDE", 2)
        pairs.append((key.strip(), value.strip()))
    if term:
        pairs.append(("term", term))
    if year:
        pairs.append(("year", year))
    root = _root()
    record = run_notebook(root, name, parse_parameters(pairs))
    typer.echo(f"Körning sparad: {record.relative_to(root)}")


@app.command()
@guarded
def publish(
    notebook: Annotated[Path, typer.Argument(help="Den körda rapportanteckningsboken")],
    out: Annotated[Path, typer.Option(help="Filnamn utan ändelse, t.ex. reports/2025HT/x")],
    kind: Annotated[str, typer.Option(help="term eller annual")] = "term",
) -> None:
    """Gör HTML (en fristående fil) och PDF av en körd rapportanteckningsbok."""
    from samverkan.project.settings import load_params
    from samverkan.report.publish import publish as do_publish

    root = _root()
    publisher = load_params(root).get("report", {}).get("publisher")
    kwargs = {"publisher": publisher} if publisher else {}
    html_path, pdf_path = do_publish(notebook, out, kind=kind, root=root, **kwargs)
    typer.echo(f"Publicerat: {html_path} och {pdf_path}")


@app.command("check-leaks")
@guarded
def check_leaks(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Filer eller mappar (standard: data/processed, reports, logs)"),
    ] = None,
) -> None:
    """Sök efter personuppgifter i utdata; avslutar med status 1 vid minsta fynd."""
    from samverkan.privacy.leaks import (
        default_paths,
        format_findings,
        known_identifiers_from_raw,
        scan_paths,
    )
    from samverkan.project.paths import ProjectPaths

    root = _root()
    targets = paths or default_paths(root)
    raw = ProjectPaths(root).raw
    known = known_identifiers_from_raw(raw) if raw.is_dir() else None
    skipped: list[str] = []
    findings = scan_paths(targets, known, skipped=skipped)
    typer.echo(format_findings(findings))
    for label in skipped:
        typer.echo(f"Kunde inte kontrolleras (räknas som fynd): {label}")
    if findings or skipped:
        raise typer.Exit(1)


@app.command("export-qda")
@guarded
def export_qda(
    term: TermOpt,
    out: Annotated[Path | None, typer.Option(help="Standard: data/coding/TERM/")] = None,
) -> None:
    """Exportera kodbok (.qdc) och kodade, avidentifierade fall (.qdpx) enligt REFI-QDA."""
    import pandas as pd

    from samverkan.coding.codebook import load_codebook
    from samverkan.coding.refiqda import export_codebook, export_project
    from samverkan.project.paths import TermPaths, config_dir

    root = _root()
    paths = TermPaths.for_term(term, root)
    folder = out or paths.coding
    codebook = load_codebook(config_dir(root) / "codebook.yaml")
    export_codebook(codebook, folder / "kodbok.qdc")
    export_project(pd.read_parquet(paths.coded_cases), codebook, folder / f"fall-{term}.qdpx")
    typer.echo(f"REFI-QDA: {folder / 'kodbok.qdc'} och {folder / f'fall-{term}.qdpx'}")


def main() -> None:
    app(prog_name="samverkan")


if __name__ == "__main__":
    sys.exit(main())
