"""Benchmark of the leak scanner: how fast it scans outputs of the kinds the pipeline writes."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pandas as pd

from samverkan.privacy.leaks import KnownIdentifiers, load_settings, scan_paths

_SENTENCE = (
    "Kallelse till SIP den 2025-03-14 uteblev; BUP och socialtjänsten i Svedala "
    "saknade rutin, 12 fall (<3 i Vellinge). "
)


def _write_html(work_dir: Path, text: str) -> None:
    """A report page with the text in paragraphs, an embedded SVG and an embedded PNG."""
    svg = "<svg><text>" + _SENTENCE * 50 + '</text><path d="M 0 0 L 12 34"/></svg>'
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    png_uri = "data:image/png;base64," + base64.b64encode(b"\x89PNG" * 50_000).decode()
    html = "\n".join(f"<p>{text[i : i + 400]}</p>" for i in range(0, len(text), 400))
    (work_dir / "report.html").write_text(
        f'<html><body>{html}<img src="{svg_uri}"><img src="{png_uri}"></body></html>',
        encoding="utf-8",
    )


def _write_notebook(work_dir: Path, text: str) -> None:
    """An executed notebook whose cells print the text in 4000-character outputs."""
    cells = [
        {
            "cell_type": "code",
            "metadata": {"tags": ["x"]},
            "source": "x = 1",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text[i : i + 4000]}],
        }
        for i in range(0, len(text), 4000)
    ]
    (work_dir / "run.ipynb").write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
        encoding="utf-8",
    )


def _write_outputs(work_dir: Path, megabytes: float) -> None:
    """Synthetic outputs of about ``megabytes`` MB: HTML, notebook, parquet table, log."""
    per_file = int(megabytes * 1_000_000 / 4)
    text = (_SENTENCE * (per_file // len(_SENTENCE) + 1))[:per_file]
    _write_html(work_dir, text)
    _write_notebook(work_dir, text)
    rows = max(1, per_file // 200)
    pd.DataFrame({"description": [text[:200]] * rows, "n": range(rows)}).to_parquet(
        work_dir / "cases.parquet"
    )
    (work_dir / "run.log").write_text(
        "\n".join(text[i : i + 120] for i in range(0, len(text), 120)), encoding="utf-8"
    )


def benchmark(
    work_dir: Path, megabytes: float = 4.0, known: KnownIdentifiers | None = None
) -> dict[str, float]:
    """Time a scan of synthetic outputs of about ``megabytes`` MB (HTML with an embedded
    SVG and a PNG, a notebook, a parquet table, a log). Returns sizes, seconds, MB/s."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    _write_outputs(work_dir, megabytes)
    size = sum(p.stat().st_size for p in work_dir.iterdir()) / 1_000_000
    settings = load_settings()
    start = time.perf_counter()
    findings = scan_paths([work_dir], known, settings=settings)
    seconds = time.perf_counter() - start
    return {
        "megabytes_on_disk": round(size, 2),
        "seconds": round(seconds, 2),
        "mb_per_second": round(size / seconds, 2),
        "findings": float(len(findings)),
    }
