"""The `samverkan-dev` command: the demo data and the benchmarks (not the product).

Uses the product's error handling: an expected problem prints one Swedish line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from samverkan.cli import guarded

app = typer.Typer(
    name="samverkan-dev",
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
) -> None:
    """Skriv syntetiska demoexporter och demons kodningsark (analytikernas kodning)."""
    from samverkan.project.settings import load_params
    from samverkan_dev.demo.analysts import write_demo_coding
    from samverkan_dev.demo.generator import write_demo_data

    root = _root()
    params = load_params(root)
    seed = seed if seed is not None else int(params["demo"]["seed"])
    target = out if out.is_absolute() else root / out
    manifest = write_demo_data(target, seed=seed)
    typer.echo(f"Demodata skrivna till {out}")
    if coding and target.resolve() == (root / "data" / "raw").resolve():
        for term in manifest.terms:
            typer.echo(write_demo_coding(root, term, params, seed=seed))


@app.command("bench-deid")
@guarded
def bench_deid() -> None:
    """Mät avidentifieringen: läckor, fångade namn, överredigering, texter per sekund."""
    from samverkan_dev.bench.deid import format_report, run_benchmark

    typer.echo(format_report(run_benchmark()))


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


def main() -> None:
    app(prog_name="samverkan-dev")


if __name__ == "__main__":
    sys.exit(main())
