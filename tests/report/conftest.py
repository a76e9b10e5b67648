"""Published reports (HTML and PDF) of the two report notebooks on a small synthetic project.

Built once per session for the layout and accessibility tests: papermill runs the notebooks
as DVC would, then ``publish`` writes the HTML and the tagged PDF a reader gets.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from report_data import make_project

from samverkan.report.publish import publish


def _run(src: Path, out: Path, params: dict) -> Path:
    import papermill

    papermill.execute_notebook(
        str(src),
        str(out),
        parameters=params,
        kernel_name="samverkan",
        language="python",
        cwd=str(out.parent),
        progress_bar=False,
    )
    return out


@pytest.fixture(scope="session")
def published_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """``{"term": (html, pdf), "annual": (html, pdf)}`` for 2025HT and 2025."""
    root = tmp_path_factory.mktemp("published")
    project = make_project(
        root / "project", ROOT, {"2024VT": 30, "2024HT": 34, "2025VT": 38, "2025HT": 45}
    )
    runs = {
        "term": ("03_term_report", {"term": "2025HT", "compare_term": "2024HT"}, "2025HT"),
        "annual": ("04_annual_report", {"year": "2025", "compare_year": "2024"}, "2025"),
    }
    out: dict[str, tuple[Path, Path]] = {}
    for kind, (name, params, period) in runs.items():
        executed = _run(
            ROOT / "notebooks" / f"{name}.ipynb",
            root / f"{name}.ipynb",
            {**params, "root": str(project)},
        )
        stem = "terminsrapport" if kind == "term" else "arsrapport"
        out[kind] = publish(executed, root / "out" / f"{stem}-{period}", kind=kind, root=project)
    return out
