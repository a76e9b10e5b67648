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
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from samverkan.cli_text import OPTIONS_METAVAR, SUBCOMMAND_METAVAR, use_swedish
from samverkan.project.errors import InputError

use_swedish()  # the help and usage texts of click and typer, in Swedish

log = logging.getLogger("samverkan.cli")

app = typer.Typer(
    name="samverkan",
    options_metavar=OPTIONS_METAVAR,
    subcommand_metavar=SUBCOMMAND_METAVAR,
    help="Avvikelser i samverkan: från råexporter till terminsrapport och årsrapport.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

TermOpt = Annotated[str, typer.Option("--term", "-t", help="Termin, t.ex. 2025HT")]


def fmt_seconds(seconds: float) -> str:
    """Elapsed time as Swedish writes it: "4,2 s"."""
    return f"{seconds:.1f}".replace(".", ",") + " s"


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
            from samverkan.project.errors import display_path

            shown = display_path(exc.filename) if exc.filename else "en fil"
            _fail(f"{shown}: finns inte", 2)
        except (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("SAMVERKAN_DEBUG"):
                raise
            from samverkan.project.errors import explain_os_error

            if isinstance(exc, OSError) and (line := explain_os_error(exc)) is not None:
                _fail(line, 2)
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
    if root is not None:
        _clean_after_killed_runs(root)


def _clean_after_killed_runs(root: Path) -> None:
    """Every command starts here: remove what killed runs left (stale temporaries beside
    the outputs, private temporary folders), so a run never trips over them, even when
    DVC restores a killed stage from its cache instead of running it."""
    from samverkan.project.atomic import clean_after_killed_runs
    from samverkan.project.errors import explain_os_error

    try:
        clean_after_killed_runs(root)
    except OSError as exc:
        log.warning(
            "kvarlämnade temporära filer kunde inte tas bort: %s", explain_os_error(exc) or exc
        )


@app.command("check-params")
@guarded
def check_params_cmd() -> None:
    """Kontrollera params.yaml innan DVC läser den: en rad per problem (status 2 vid fel)."""
    from samverkan.workspace.params_check import check_params, fill_empty_sections

    root = _root()
    for key in fill_empty_sections(root):
        typer.echo(f"params.yaml: {key} var tomt och är nu skrivet {key}: {{}} (inga)")
    problems = check_params(root)
    for problem in problems:
        typer.echo(f"samverkan: fel: params.yaml: {problem}", err=True)
    if problems:
        raise typer.Exit(2)
    typer.echo("params.yaml: inga fel")


@app.command("new-term")
@guarded
def new_term_cmd(
    term: Annotated[str, typer.Argument(help="Terminen, t.ex. 2026VT")],
) -> None:
    """Lägg till en termin: params.yaml, mappar och vilka exporter som väntas."""
    from samverkan.workspace.terms import new_term

    root = _root()
    compare, exports = new_term(root, term)
    if compare == term:
        typer.echo(f"{term} tillagd i params.yaml (ingen jämförelse: ingen termin året innan).")
    else:
        typer.echo(f"{term} tillagd i params.yaml, jämförs med {compare}.")
    typer.echo(f"Lägg exporterna i data/raw/{term}/ ({len(exports)} väntas):")
    for export in exports:
        typer.echo(f"  {export.path}  {export.organisation}, {export.system}")
    typer.echo("Kör sedan make report.")


@app.command("remove-demo")
@guarded
def remove_demo_cmd() -> None:
    """Ta bort demons rådata, terminer, år, kodningsark och utdata (vägrar om data är riktiga)."""
    from samverkan.workspace.terms import remove_demo

    removed = remove_demo(_root())
    typer.echo(f"Demon borttagen ({len(removed)} mappar och filer). Lägg till en termin med")
    typer.echo("samverkan new-term TERMIN, till exempel samverkan new-term 2026VT.")


@app.command()
@guarded
def status() -> None:
    """Visa läget: exporter som finns och saknas, steg att köra, fall, kodning, rapporter."""
    from rich.console import Console

    from samverkan.workspace.status import project_status, stale_stages, status_table

    root = _root()
    stale = stale_stages(root)
    Console().print(status_table(project_status(root, stale), stale is not None))


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


@app.command("coding-quality")
@guarded
def coding_quality(
    file: Annotated[Path, typer.Argument(help="Märkta fall, JSONL: text och causes per rad")],
    rules_only: Annotated[
        bool, typer.Option("--bara-regler", help="Mät bara kodbokens regler, utan modellen")
    ] = False,
) -> None:
    """Mät orsaksförslagen på en märkt fil: precision, täckning och F1 per orsak, mikro-F1."""
    from samverkan.coding.codebook import load_codebook
    from samverkan.coding.quality import evaluate, format_quality
    from samverkan.project.paths import ProjectPaths, config_dir

    root = _root()
    codebook = load_codebook(config_dir(root) / "codebook.yaml")
    result = evaluate(file, codebook, ProjectPaths(root).coding, rules_only=rules_only)
    typer.echo(format_quality(result, codebook.cause_labels()))


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
    started = time.perf_counter()
    record = run_notebook(root, name, parse_parameters(pairs))
    seconds = fmt_seconds(time.perf_counter() - started)
    where = record.relative_to(root)
    typer.echo(f"{record.stem} {term or year}: klart på {seconds}. Körning: {where}")
    if term and record.stem.endswith("ingest"):
        _print_ingest_summary(root, term)


def _print_ingest_summary(root: Path, term: str) -> None:
    """Rows read, kept, excluded, duplicates and quarantined per file of a term's ingest."""
    import pandas as pd

    from samverkan.project.paths import TermPaths

    path = TermPaths(root, term).reconciliation
    if not path.exists():
        return
    table = pd.read_csv(path, dtype={"file": "string"})
    typer.echo(f"Inläsning {term} (lästa = fall + andra typer + dubbletter + karantän):")
    for row in table.itertuples(index=False):
        label = "Totalt" if row.file == "TOTALT" else row.file
        typer.echo(
            f"  {label:<32} {row.read:>5} lästa {row.kept:>5} fall {row.excluded:>4} andra "
            f"{row.duplicates:>4} dubbletter {row.quarantined:>4} i karantän"
        )


@app.command()
@guarded
def repro(
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", help="Steg samtidigt (0: ett per kärna, 1: som dvc repro)"),
    ] = 0,
    check_params: Annotated[
        bool,
        typer.Option(
            "--check-params/--no-check-params",
            help="Kontrollera params.yaml först (som samverkan check-params); vid fel byggs inget",
        ),
    ] = True,
) -> None:
    """Bygg det som har ändrats med DVC, oberoende steg samtidigt (make report gör så)."""
    from samverkan.workspace.repro import reproduce

    code = reproduce(_root(), workers=jobs or None, echo=typer.echo, check_params=check_params)
    if code:
        raise typer.Exit(code)


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


@app.command()
@guarded
def bench(
    cases: Annotated[int, typer.Option(help="Antal syntetiska fall (20 terminer)")] = 1_000_000,
    json_file: Annotated[Path | None, typer.Option("--json", help="Skriv siffrorna hit")] = None,
) -> None:
    """Mät stegen på N syntetiska fall (finns i utvecklingspaketet samverkan-dev)."""
    import shutil
    import subprocess

    dev = shutil.which("samverkan-dev")  # the product never imports the dev package
    if dev is None:
        _fail("Mätningen finns i utvecklingspaketet: installera det med make setup", 1)
    extra = ["--json", str(json_file)] if json_file is not None else []
    code = subprocess.run([str(dev), "bench", "--cases", str(cases), *extra]).returncode
    if code:
        raise typer.Exit(code)


@app.command("check-leaks")
@guarded
def check_leaks(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Filer eller mappar (standard: data/processed, data/coding, data/group, "
            "reports, logs)"
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Läs om varje fil, också de som är oförändrade sedan en genomsökning utan fynd",
        ),
    ] = False,
) -> None:
    """Sök efter personuppgifter i utdata; avslutar med status 1 vid minsta fynd."""
    from samverkan.privacy.leaks import (
        default_paths,
        format_findings,
        known_identifiers_from_raw,
        load_settings,
        scan_paths,
    )
    from samverkan.project.paths import ProjectPaths

    root = _root()
    targets = paths or default_paths(root)
    raw = ProjectPaths(root).raw
    known = known_identifiers_from_raw(raw) if raw.is_dir() else None
    settings = load_settings()
    cache = None if no_cache else _clean_scans(root, settings, known)
    skipped: list[str] = []
    findings = scan_paths(targets, known, settings=settings, skipped=skipped, cache=cache)
    if cache is not None:
        cache.save()
    typer.echo(format_findings(findings))
    for label in skipped:
        typer.echo(f"Kunde inte kontrolleras (räknas som fynd): {label}")
    if findings or skipped:
        raise typer.Exit(1)


def _clean_scans(root: Path, settings: Any, known: Any) -> Any:
    """The leak scan's memory of clean files (samverkan.privacy.scan_cache); None without
    the project's secret, which keys it."""
    from samverkan.ingest.pseudonym import load_secret, secret_path
    from samverkan.privacy.scan_cache import CleanScans, cache_path, fingerprint
    from samverkan.project.paths import config_dir

    try:
        secret = load_secret(secret_path(config_dir(root)))
    except InputError:  # a secret too short to use: then the scan reads everything
        secret = None
    if not secret:
        return None
    return CleanScans.load(cache_path(root), secret, fingerprint(settings, known))


@app.command("export-qda")
@guarded
def export_qda(
    term: TermOpt,
    out: Annotated[Path | None, typer.Option(help="Standard: data/processed/TERM/")] = None,
) -> None:
    """Exportera kodbok (.qdc) och kodade, avidentifierade fall (.qdpx) enligt REFI-QDA."""
    import pandas as pd

    from samverkan.coding.codebook import load_codebook
    from samverkan.coding.refiqda import export_codebook, export_project
    from samverkan.project.paths import TermPaths, config_dir

    root = _root()
    paths = TermPaths.for_term(term, root)
    folder = out or paths.processed
    codebook = load_codebook(config_dir(root) / "codebook.yaml")
    export_codebook(codebook, folder / "kodbok.qdc")
    from samverkan.project.atomic import build_time

    export_project(
        pd.read_parquet(paths.coded_cases),
        codebook,
        folder / f"fall-{term}.qdpx",
        created=build_time().replace(tzinfo=None),  # SOURCE_DATE_EPOCH: reproducible
    )
    typer.echo(f"REFI-QDA: {folder / 'kodbok.qdc'} och {folder / f'fall-{term}.qdpx'}")


def run_app() -> None:
    """The command line itself (samverkan.launch hands stages to the warm server first)."""
    from samverkan.runner import skip_unused_slow_imports

    skip_unused_slow_imports()  # seconds of every stage's start (see runner.py)
    app(prog_name="samverkan")


def main() -> None:
    from samverkan.launch import main as launch

    launch()


if __name__ == "__main__":
    sys.exit(main())
