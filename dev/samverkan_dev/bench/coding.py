"""Benchmark of the auto-coder on a labelled set (``samverkan-dev bench-coding``).

Per-cause precision, recall and F1, micro F1, exact matches and texts per second.
"""

from __future__ import annotations

import json
import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

from samverkan.coding.autocode import auto_code
from samverkan.coding.codebook import Codebook
from samverkan.project.errors import InputError

log = logging.getLogger(__name__)


def default_bench_path() -> Path:
    """The labelled set shipped with the package."""
    return Path(str(resources.files("samverkan_dev.bench") / "data" / "coding_labelled.jsonl"))


def load_labelled(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file of {"text": str, "causes": [cause ids]} lines."""
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(
            path, "testmängden finns inte", "Ange sökvägen till en .jsonl-fil"
        ) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append({"text": str(row["text"]), "causes": set(row["causes"])})
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InputError(
                path,
                f"rad {n} är inget JSON-objekt med text och causes",
                'Skriv raden som {"text": "...", "causes": ["orsaks-id", ...]}',
            ) from None
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "support": tp + fn}


def _per_cause(
    rows: list[dict[str, Any]], got: list[set[str]]
) -> tuple[dict[str, Any], dict[str, float | int]]:
    """Precision, recall and F1 per cause (every cause labelled or suggested) and micro."""
    causes = sorted({c for r in rows for c in r["causes"]} | {c for g in got for c in g})
    pairs = [(r["causes"], g) for r, g in zip(rows, got, strict=True)]
    per: dict[str, Any] = {}
    tp_all = fp_all = fn_all = 0
    for cause in causes:
        tp = sum(1 for want, g in pairs if cause in want and cause in g)
        fp = sum(1 for want, g in pairs if cause not in want and cause in g)
        fn = sum(1 for want, g in pairs if cause in want and cause not in g)
        per[cause] = _prf(tp, fp, fn)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
    return per, _prf(tp_all, fp_all, fn_all)


def _best_seconds(
    texts: list[str], codebook: Codebook | None, speed_texts: int, repeats: int
) -> tuple[int, float | None]:
    """The number of texts timed and the best time of ``repeats`` runs of auto_code."""
    speed_set = [f"{texts[i % len(texts)]} Ärende {i}." for i in range(speed_texts)]
    best: float | None = None
    for rep in range(max(repeats, 1)):
        # a fresh number per repeat, so that every text holds a token not seen before
        batch = [f"{t} {rep}" for t in speed_set] if rep else speed_set
        start = time.perf_counter()
        auto_code(batch, codebook)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return len(speed_set), best


def run_benchmark(
    path: Path | None = None,
    codebook: Codebook | None = None,
    *,
    speed_texts: int = 20_000,
    repeats: int = 3,
) -> dict[str, Any]:
    """Score auto_code on the labelled set and time it.

    Returns {"n_texts", "per_cause": {id: {precision, recall, f1, support}}, "micro": {...},
    "exact_match", "texts_per_second", "errors": [{"text", "expected", "got"}]}.
    Speed is measured on ``speed_texts`` texts built by repeating the set with a running
    number appended (so that the per-text work is not just a cache hit); the best of
    ``repeats`` runs counts, because the machine is shared.
    """
    rows = load_labelled(path or default_bench_path())
    texts = [r["text"] for r in rows]
    got = auto_code(texts, codebook)
    per, micro = _per_cause(rows, got)
    errors = [
        {"text": r["text"], "expected": sorted(r["causes"]), "got": sorted(g)}
        for r, g in zip(rows, got, strict=True)
        if r["causes"] != g
    ]
    timed, best = _best_seconds(texts, codebook, speed_texts, repeats)
    exact = sum(r["causes"] == g for r, g in zip(rows, got, strict=True)) / max(len(rows), 1)
    return {
        "n_texts": len(rows),
        "per_cause": per,
        "micro": micro,
        "exact_match": round(exact, 3),
        "texts_per_second": round(timed / best) if timed and best else None,
        "errors": errors,
    }


def format_report(result: dict[str, Any], *, show_errors: int = 0) -> str:
    """A plain-text table of a :func:`run_benchmark` result (Swedish headings)."""
    lines = [
        f"Testmängd: {result['n_texts']} meningar",
        f"{'orsak':<18}{'precision':>10}{'täckning':>10}{'F1':>8}{'antal':>8}",
    ]
    for cause, m in result["per_cause"].items():
        lines.append(
            f"{cause:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>8.3f}{m['support']:>8}"
        )
    mi = result["micro"]
    lines.append(
        f"{'mikro':<18}{mi['precision']:>10.3f}{mi['recall']:>10.3f}{mi['f1']:>8.3f}{mi['support']:>8}"
    )
    lines.append(f"Helt rätt: {result['exact_match']:.3f}")
    lines.append(f"Hastighet: {result['texts_per_second']} texter per sekund")
    for err in result["errors"][:show_errors]:
        lines.append(f"  väntat {err['expected']} fick {err['got']}: {err['text']}")
    return "\n".join(lines)
