"""How good the cause suggestions are on a labelled file (``samverkan coding-quality``).

Why in the package and not only in the dev benchmarks: an analyst group that has labelled
a set of its own cases (say next term's, coded blind) should be able to see, with the
program as installed, how well the suggestions hold on text they were not made for.

The file is JSON Lines, one case a line: ``{"text": "...", "causes": ["sip", ...]}`` (other
keys, such as ``id`` and ``note``, are allowed and ignored). The suggestions are made as the
pipeline makes them: the codebook's rules and the model trained on the project's coding
sheets and the codebook's examples (rules only when there is nothing to train on).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from samverkan.coding.codebook import Codebook
from samverkan.project.errors import InputError

_FORMAT = 'Skriv varje rad som {"text": "...", "causes": ["orsaks-id", ...]}'


def _row(line: str, n: int, path: Path, known: set[str] | None) -> dict[str, Any]:
    """One labelled line, or an InputError naming the line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        raise InputError(path, f"rad {n} är ingen giltig JSON", _FORMAT) from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise InputError(path, f"rad {n} saknar texten (nyckeln text)", _FORMAT)
    causes = row.get("causes")
    if not isinstance(causes, list) or not all(isinstance(c, str) for c in causes):
        raise InputError(path, f"rad {n}: causes ska vara en lista med orsaks-id", _FORMAT)
    unknown = sorted(set(causes) - known) if known is not None else []
    if unknown:
        raise InputError(
            path,
            f"rad {n}: {unknown[0]!r} är ingen orsak i kodboken",
            f"Använd något av {', '.join(sorted(known or ()))}",
        )
    return {"text": row["text"], "causes": set(causes)}


def load_labelled(path: Path, cause_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The labelled cases of a JSON Lines file (blank lines skipped). With ``cause_ids``, a
    cause id not among them is an error."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(path, "filen finns inte", "Ange sökvägen till en .jsonl-fil") from None
    except UnicodeDecodeError:
        raise InputError(path, "är ingen UTF-8-text", "Spara filen som UTF-8") from None
    known = set(cause_ids) if cause_ids is not None else None
    rows = [_row(line, n, path, known) for n, line in enumerate(lines, 1) if line.strip()]
    if not rows:
        raise InputError(path, "innehåller inga märkta fall", _FORMAT)
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "support": tp + fn}


def per_cause(
    rows: Sequence[dict[str, Any]], got: Sequence[set[str]]
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


def evaluate(
    path: Path, codebook: Codebook, coding_root: Path | None, *, rules_only: bool = False
) -> dict[str, Any]:
    """Score the suggestions on a labelled file: {"n_texts", "per_cause", "micro",
    "model": how the suggestions were made}."""
    from samverkan.coding.learned import train_project_model
    from samverkan.coding.suggest import suggest_causes

    rows = load_labelled(path, codebook.cause_ids)
    model = None if rules_only else train_project_model(coding_root, codebook)
    got = suggest_causes([r["text"] for r in rows], codebook, model)
    per, micro = per_cause(rows, got)
    how = (
        f"kodbokens regler och en modell tränad på {model.n_examples} fall"
        if model is not None
        else "bara kodbokens regler"
    )
    return {"n_texts": len(rows), "per_cause": per, "micro": micro, "model": how}


def format_quality(result: dict[str, Any], labels: dict[str, str]) -> str:
    """A Swedish plain-text table of :func:`evaluate`'s result."""
    lines = [
        f"Märkta fall: {result['n_texts']}. Förslagen bygger på {result['model']}.",
        f"{'orsak':<24}{'precision':>10}{'täckning':>10}{'F1':>8}{'antal':>8}",
    ]

    def line(name: str, m: dict[str, Any]) -> str:
        cells = f"{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>8.3f}{m['support']:>8}"
        return f"{name:<24}" + cells.replace(".", ",")

    for cause, m in result["per_cause"].items():
        lines.append(line(labels.get(cause, cause), m))
    lines.append(line("mikro (alla orsaker)", result["micro"]))
    return "\n".join(lines)
