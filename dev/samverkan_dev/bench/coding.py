"""Benchmark of the suggestion step on a labelled set (``samverkan-dev bench-coding``).

Per-cause precision, recall and F1, micro F1, exact matches and texts per second of the
whole suggestion step (the codebook's rules and the learned model, as the pipeline makes
them: the model trained on the project's coding sheets and the codebook's examples).
"""

from __future__ import annotations

import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

from samverkan.coding import quality
from samverkan.coding.autocode import default_codebook
from samverkan.coding.codebook import Codebook
from samverkan.coding.learned import CauseModel, train_project_model
from samverkan.coding.suggest import suggest_causes

log = logging.getLogger(__name__)


def default_bench_path() -> Path:
    """The labelled set shipped with the package."""
    return Path(str(resources.files("samverkan_dev.bench") / "data" / "coding_labelled.jsonl"))


def load_labelled(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file of {"text": str, "causes": [cause ids]} lines."""
    return quality.load_labelled(path)


def _best_seconds(
    texts: list[str], codebook: Codebook, model: CauseModel | None, speed_texts: int, repeats: int
) -> tuple[int, float | None]:
    """The number of texts timed and the best time of ``repeats`` runs of the suggestions."""
    speed_set = [f"{texts[i % len(texts)]} Ärende {i}." for i in range(speed_texts)]
    best: float | None = None
    for rep in range(max(repeats, 1)):
        # a fresh number per repeat, so that every text holds a token not seen before
        batch = [f"{t} {rep}" for t in speed_set] if rep else speed_set
        start = time.perf_counter()
        suggest_causes(batch, codebook, model)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return len(speed_set), best


def _project_coding() -> Path | None:
    """data/coding of the project the command runs in (None outside a project)."""
    from samverkan.project.paths import ProjectPaths, project_root

    try:
        return ProjectPaths(project_root()).coding
    except Exception:  # not inside a project: the codebook's examples only
        return None


def run_benchmark(
    path: Path | None = None,
    codebook: Codebook | None = None,
    *,
    speed_texts: int = 20_000,
    repeats: int = 3,
    use_model: bool = True,
    coding_root: Path | None = None,
) -> dict[str, Any]:
    """Score the suggestions on the labelled set and time them.

    ``use_model``: blend the rules with the model trained on ``coding_root``'s sheets (the
    project's data/coding when None) and the codebook's examples; False: rules only.

    Returns {"n_texts", "per_cause": {id: {precision, recall, f1, support}}, "micro": {...},
    "exact_match", "texts_per_second", "errors": [{"text", "expected", "got"}]}.
    Speed is measured on ``speed_texts`` texts built by repeating the set with a running
    number appended (so that the per-text work is not just a cache hit); the best of
    ``repeats`` runs counts, because the machine is shared.
    """
    codebook = codebook or default_codebook()
    rows = load_labelled(path or default_bench_path())
    texts = [r["text"] for r in rows]
    root = coding_root if coding_root is not None else _project_coding()
    model = train_project_model(root, codebook) if use_model else None
    got = suggest_causes(texts, codebook, model)
    per, micro = quality.per_cause(rows, got)
    errors = [
        {"text": r["text"], "expected": sorted(r["causes"]), "got": sorted(g)}
        for r, g in zip(rows, got, strict=True)
        if r["causes"] != g
    ]
    timed, best = _best_seconds(texts, codebook, model, speed_texts, repeats)
    exact = sum(r["causes"] == g for r, g in zip(rows, got, strict=True)) / max(len(rows), 1)
    return {
        "n_texts": len(rows),
        "model": model is not None,
        "per_cause": per,
        "micro": micro,
        "exact_match": round(exact, 3),
        "texts_per_second": round(timed / best) if timed and best else None,
        "errors": errors,
    }


def format_report(result: dict[str, Any], *, show_errors: int = 0) -> str:
    """A plain-text table of a :func:`run_benchmark` result (Swedish headings)."""
    lines = [
        f"Testmängd: {result['n_texts']} meningar"
        + (" (regler och modell)" if result.get("model") else " (bara regler)"),
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
