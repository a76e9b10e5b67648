"""The scale benchmark (``samverkan-dev bench --cases N``, ``make bench``).

Writes N synthetic cases in the raw export formats (``scale_data``: 20 terms, 30
organisations, all four systems; not timed), then measures each stage in a process of
its own, so that its peak memory is its own:

- ``golv`` (the floor): only reading the same raw files, CSV with ``pandas.read_csv`` and
  xlsx with ``pandas.read_excel`` on calamine (the reader the ingest uses for xlsx);
- ``inläsning`` (ingest): ``ingest_term`` of every term with de-identification, linking
  and writing cases.parquet, reconciliation.csv and the quarantine; the terms run side by
  side, one process per core, as ``samverkan repro`` runs the pipeline's ingest stages;
- ``kodning`` (coding): what the code stage does automatically (``run_code_stage``): fit
  the learned model (``train_project_model``: the codebook's examples, no sheets exist
  here), then ``suggest_causes`` (rules and model) and ``categorise`` on the descriptions
  of every ingested case.

Seconds are wall time inside the stage's process from the start of the work: the
interpreter's start is excluded, the stage's own imports (pandas, scikit-learn, the
package: about 2 s for coding) and the warm-up of word lists are included. Peak memory
is the largest sum of resident memory (RSS) of the stage's process and its worker
processes, sampled every 20 ms with psutil (tracemalloc misses numpy's and pyarrow's
memory; the process tree itself is looked up every 0.5 s, which keeps the sampling at
about 1 % of one core). ``floor_ratio`` is a stage's seconds over the floor's. ``--json`` writes
``{"stages": {name: {cases, seconds, peak_mb, floor_ratio}}, "date", "machine", "load"}``;
``make bench`` writes metrics/bench.json, which dvc.yaml lists under ``metrics`` (``dvc
metrics diff`` compares commits).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

STAGES = ("floor", "ingest", "coding")
LABELS = {"floor": "golv (bara läsa råfilerna)", "ingest": "inläsning", "coding": "kodning"}
_SAMPLE_SECONDS = 0.02  # memory of the known processes (a read of /proc/PID/statm each)
_TREE_SECONDS = 0.5  # the process tree itself (psutil reads every process's /proc/PID/stat)


@dataclass(frozen=True)
class StageResult:
    name: str
    cases: int
    seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0  # user + system time of the stage's processes (load shows here less)

    @property
    def per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


# --- the stages (run in a child process: python -m samverkan_dev.bench.scale STAGE ROOT)


def _floor(root: Path) -> int:
    import pandas as pd

    rows = 0
    for path in sorted((root / "raw").glob("*/*")):
        if path.suffix == ".xlsx":  # a title row, then the header
            rows += len(pd.read_excel(path, header=1, dtype=str, engine="calamine"))
        else:
            sep = "," if path.stem.endswith("__form") else ";"
            enc = "cp1252" if path.stem.endswith("__lifecare") else "utf-8-sig"
            rows += len(pd.read_csv(path, sep=sep, encoding=enc, dtype=str, keep_default_na=False))
    return rows


def _ingest_term(root: Path, term_dir: Path) -> int:
    from samverkan.ingest.linking import DuplicateRule
    from samverkan.ingest.stage import ingest_term
    from samverkan.project.settings import load_params

    rule = DuplicateRule.from_params(load_params()["ingest"]["duplicates"])
    result = ingest_term(
        term_dir.name,
        term_dir,
        root / "processed" / term_dir.name,
        root / "quarantine" / term_dir.name,
        config_dir=root / "config",
        duplicates=rule,
        secret_file=root / "secret",
    )
    return int(result.reconciliation.iloc[-1]["read"])


def _one_core() -> None:
    """In a term's process: no pool of its own (the terms already fill the cores)."""
    os.environ["SAMVERKAN_WORKERS"] = "1"


def _ingest(root: Path) -> int:
    """Every term's ingest, as ``samverkan repro`` builds the pipeline's ingest stages:
    independent terms side by side, one process per core (each term's own work in that
    process). With one core (``SAMVERKAN_WORKERS=1``) the terms run one after the other
    and a term's files and texts still use the ingest's own pool."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from samverkan.ingest.parallel import workers
    from samverkan.privacy.redaction import warm_up

    terms = sorted((root / "raw").iterdir())
    n = min(workers(), len(terms))
    if n < 2:
        return sum(_ingest_term(root, t) for t in terms)
    warm_up()  # loaded once, before forking: the term processes share the word lists
    importlib.import_module("samverkan.ingest.stage")  # and the ingest's imports (pandas, pandera)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(n, mp_context=context, initializer=_one_core) as pool:
        return sum(pool.map(_ingest_term, [root] * len(terms), terms))


def _coding(root: Path) -> int:
    import pandas as pd

    from samverkan.coding import suggest
    from samverkan.coding.codebook import load_codebook
    from samverkan.coding.learned import train_project_model

    codebook = load_codebook(root / "config" / "codebook.yaml")
    # as run_code_stage: the model learns from the codebook's examples and every sheet under
    # coding/ (the bench world has none, so only the codebook's); its fitting is timed
    model = train_project_model(root / "coding", codebook)
    texts: list[str] = []
    for path in sorted((root / "processed").glob("*/cases.parquet")):
        texts.extend(pd.read_parquet(path, columns=["description"])["description"].tolist())
    suggest.categorise(suggest.suggest_causes(texts, codebook, model), codebook)
    return len(texts)


def _stop_workers() -> None:
    try:
        from samverkan.ingest.parallel import shutdown
    except ImportError:  # measuring a version of the package from before the pool
        return
    shutdown()


def run_stage(name: str, root: Path) -> dict[str, float]:
    """Run one stage here and now; its case count and seconds."""
    import logging

    logging.getLogger("samverkan").setLevel(logging.WARNING)
    work = {"floor": _floor, "ingest": _ingest, "coding": _coding}[name]
    start = time.perf_counter()
    cases = work(root)
    seconds = time.perf_counter() - start
    _stop_workers()  # the workers' CPU time is counted once they have ended
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(u.ru_utime + u.ru_stime for u in used)
    return {"cases": cases, "seconds": seconds, "cpu_seconds": cpu}


# --- the parent: one child process per stage, its memory sampled -----------------------


class _TreeSampler:
    """The summed RSS of a process and its descendants, cheap enough to sample often.

    Finding the descendants makes psutil read the status of every process on the machine
    (about 1 ms: 4-5 % of a core every 20 ms, taken from the stage measured when it fills
    both cores); so the tree is looked up every ``_TREE_SECONDS`` and in between only the
    known processes' memory is read (measured: 0.15 ms a sample, 0.8-0.9 CPU-s during the
    ingest of 1 000 000 cases against 4.2-4.5 s)."""

    def __init__(self, proc: psutil.Process) -> None:
        self.proc = proc
        self.procs: list[psutil.Process] = [proc]
        self.found_at = -_TREE_SECONDS

    def rss(self) -> int:
        now = time.monotonic()
        if now - self.found_at >= _TREE_SECONDS:
            self.found_at = now
            try:
                self.procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                return 0
        total = 0
        for p in self.procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total


def measure(name: str, root: Path) -> StageResult:
    """Run ``name`` in a child process, sampling the RSS of its process tree."""
    cmd = [sys.executable, "-m", "samverkan_dev.bench.scale", name, str(root)]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    sampler, peak = _TreeSampler(psutil.Process(child.pid)), 0
    while child.poll() is None:
        peak = max(peak, sampler.rss())
        time.sleep(_SAMPLE_SECONDS)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise RuntimeError(f"steget {name} avbröts (kod {child.returncode})")
    figures = json.loads(out.strip().splitlines()[-1])
    return StageResult(
        name,
        int(figures["cases"]),
        float(figures["seconds"]),
        peak / 2**20,
        float(figures["cpu_seconds"]),
    )


def run_bench(cases: int, keep: Path | None = None) -> list[StageResult]:
    """Generate ``cases`` synthetic cases and measure every stage on them."""
    from samverkan.project.paths import config_dir
    from samverkan_dev.bench.scale_data import write_scale_project

    with tempfile.TemporaryDirectory(prefix="samverkan-bench-", dir=keep) as tmp:
        root = Path(tmp)
        write_scale_project(root, cases, config_dir())
        return [measure(name, root) for name in STAGES]


def _number(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


def format_table(results: list[StageResult]) -> str:
    """The Swedish table: stage, cases, seconds, cases/s, peak memory, ratio to the floor."""
    floor = next(r.seconds for r in results if r.name == "floor")
    head = ("Steg", "Fall", "Sekunder", "Fall/s", "Högsta minne (MB)", "Gånger golvet")
    rows = [
        (
            LABELS[r.name],
            _number(r.cases),
            _number(r.seconds, 1),
            _number(r.per_second),
            _number(r.peak_mb),
            _number(r.seconds / floor, 1) if floor else "–",
        )
        for r in results
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]
    lines = [
        " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in (head, *rows)
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def as_json(results: list[StageResult]) -> dict:
    """The figures for metrics/bench.json."""
    floor = next(r.seconds for r in results if r.name == "floor")
    stages = {
        r.name: {
            "cases": r.cases,
            "seconds": round(r.seconds, 2),
            "peak_mb": round(r.peak_mb, 1),
            "floor_ratio": round(r.seconds / floor, 2) if floor else None,
            "cpu_seconds": round(r.cpu_seconds, 2),
        }
        for r in results
    }
    machine = {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }
    return {
        "date": dt.date.today().isoformat(),
        "machine": machine,
        "load": [round(x, 2) for x in os.getloadavg()],
        "stages": stages,
    }


if __name__ == "__main__":
    print(json.dumps(run_stage(sys.argv[1], Path(sys.argv[2]))))
