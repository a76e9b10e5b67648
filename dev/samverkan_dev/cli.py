"""The `samverkan-dev` command: the demo data and the benchmarks (not the product).

Uses the product's error handling: an expected problem prints one Swedish line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from samverkan.cli import guarded
from samverkan.cli_text import OPTIONS_METAVAR, SUBCOMMAND_METAVAR

app = typer.Typer(
    name="samverkan-dev",
    options_metavar=OPTIONS_METAVAR,
    subcommand_metavar=SUBCOMMAND_METAVAR,
    help="Utvecklingsverktyg för samverkan: demodata och mätningar (ingår inte i produkten).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _root() -> Path:
    from samverkan.project.paths import project_root

    return project_root()


@app.callback()
def _main() -> None:
    from samverkan.project import logs

    try:
        root = _root()
    except FileNotFoundError:
        root = None
    logs.configure(root=root)


@app.command("demo-data")
@guarded
def demo_data(
    out: Annotated[Path, typer.Option(help="Mapp för råexporterna")] = Path("data/raw"),
    seed: Annotated[int | None, typer.Option(help="Slumpfrö (standard: demo.seed)")] = None,
    coding: Annotated[
        bool, typer.Option(help="Skriv också demons kodningsark i data/coding/")
    ] = True,
    only_if_needed: Annotated[
        bool,
        typer.Option(
            "--only-if-needed",
            help="Bara när projektet är demon: params.yaml har demons terminer och "
            "data/raw har ingen termin än (så gör make report)",
        ),
    ] = False,
) -> None:
    """Skriv syntetiska demoexporter och demons kodningsark (analytikernas kodning)."""
    from samverkan.project.paths import ProjectPaths
    from samverkan.project.settings import load_params

    root = _root()
    params = load_params(root)
    if only_if_needed:  # decided before the generator's imports (1 s of every `make report`)
        reason = _why_no_demo(root, params)
        if reason:
            typer.echo(f"Inga demodata skrivna: {reason}")
            return
    from samverkan_dev.demo.analysts import write_demo_coding
    from samverkan_dev.demo.generator import write_demo_data

    seed = seed if seed is not None else int(params["demo"]["seed"])
    target = out if out.is_absolute() else root / out
    manifest = write_demo_data(target, seed=seed)
    typer.echo(f"Demodata skrivna till {out}")
    if coding and target.resolve() == ProjectPaths(root).raw.resolve():
        for term in manifest.terms:
            typer.echo(write_demo_coding(root, term, params, seed=seed))


def _why_no_demo(root: Path, params: dict) -> str:
    """Why the demo should not be written here ("" when it should)."""
    import re

    from samverkan.project.paths import ProjectPaths

    raw = ProjectPaths(root).raw
    if raw.is_dir() and any(re.match(r"^\d{4}(VT|HT)$", p.name) for p in raw.iterdir()):
        return "data/raw/ innehåller redan terminsmappar"
    from samverkan_dev.demo.generator import DEFAULT_TERMS

    if [str(t) for t in (params.get("terms") or {})] != list(DEFAULT_TERMS):
        return "params.yaml har egna terminer (lägg exporterna i data/raw/TERMIN/)"
    return ""


@app.command("bench-deid")
@guarded
def bench_deid(
    file: Annotated[
        Path | None, typer.Option("--file", help="Märkt testmängd (JSONL) att mäta")
    ] = None,
    all_sets: Annotated[
        bool, typer.Option("--all", help="Mät projektets egen testmängd och varianttestmängden")
    ] = False,
) -> None:
    """Mät avidentifieringen: läckor, fångade namn och adresser, överredigering, texter/s."""
    from samverkan_dev.bench.deid import bench_report

    typer.echo(bench_report(file, all_sets=all_sets))


@app.command("bench-coding")
@guarded
def bench_coding() -> None:
    """Mät den automatiska kodningen: precision, täckning, mikro-F1, texter per sekund."""
    from samverkan_dev.bench.coding import format_report, run_benchmark

    typer.echo(format_report(run_benchmark()))


@app.command("bench-ingest")
@guarded
def bench_ingest(
    rows: Annotated[int, typer.Option(help="Rader per exportfil")] = 5000,
) -> None:
    """Mät inläsningen: rader per sekund och minne för en stor syntetisk termin."""
    from samverkan_dev.bench.ingest import format_report, run_benchmark

    typer.echo(format_report(run_benchmark(rows_per_file=rows)))


@app.command("bench-disclosure")
@guarded
def bench_disclosure(
    tables: Annotated[int, typer.Option(help="Antal slumpade glesa tabeller")] = 8,
    seed: Annotated[int, typer.Option(help="Frö för de slumpade tabellerna")] = 0,
) -> None:
    """Jämför röjandekontrollen med Tau-Argus OPT: demotabeller och slumpade glesa tabeller."""
    from samverkan.privacy.disclosure import DisclosurePolicy
    from samverkan.project.errors import InputError
    from samverkan.project.settings import load_params
    from samverkan_dev.bench.disclosure import (
        compare,
        demo_tables,
        format_comparison,
        random_tables,
    )

    root = _root()
    policy = DisclosurePolicy.from_params(load_params(root))
    try:
        demo = demo_tables(root)
    except (OSError, ValueError, InputError) as exc:
        typer.echo(f"Demotabellerna hoppas över ({exc}); kör samverkan-dev demo-data och dvc repro")
        demo = {}
    try:
        import pytauargus  # noqa: F401
    except ImportError:
        typer.echo("Tau-Argus saknas: installera paketet pytauargus==0.6.0 och kör igen")
        raise typer.Exit(2) from None
    typer.echo(format_comparison(compare(demo | random_tables(tables, seed), policy)))


@app.command("bench")
@guarded
def bench(
    cases: Annotated[int, typer.Option(help="Antal syntetiska fall (20 terminer)")] = 1_000_000,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Skriv siffrorna som JSON hit")
    ] = None,
) -> None:
    """Mät stegen (inläsning, kodning) på N syntetiska fall mot golvet: att bara läsa filerna."""
    import json

    from samverkan_dev.bench.scale import as_json, format_table, run_bench

    if cases < 1:
        raise typer.BadParameter("ange minst 1 fall", param_hint="--cases")
    typer.echo(f"Skriver {cases} syntetiska fall (ingår inte i tiderna) och mäter stegen ...")
    results = run_bench(cases)
    figures = as_json(results)
    typer.echo(format_table(results))
    load = ", ".join(f"{x:.2f}".replace(".", ",") for x in figures["load"])
    typer.echo(f"Datum {figures['date']}, {figures['machine']['cores']} kärnor, belastning {load}")
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")
        typer.echo(f"Siffrorna skrivna till {json_file}")


def main() -> None:
    app(prog_name="samverkan-dev")


if __name__ == "__main__":
    sys.exit(main())
