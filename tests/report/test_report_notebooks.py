"""The two report notebooks, executed with papermill on a small synthetic project."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import ROOT
from report_data import make_project

NOTEBOOKS = ROOT / "notebooks"


def _outputs(nb: nbformat.NotebookNode) -> str:
    """Every output the reader would see: Markdown and HTML display data, stream text."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            parts.append(data.get("text/markdown", ""))
            parts.append(data.get("text/html", ""))
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
    return "\n".join(parts)


def _run(src: Path, out: Path, params: dict) -> nbformat.NotebookNode:
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
    return nbformat.read(out, as_version=4)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    return make_project(root, ROOT, {"2024VT": 30, "2024HT": 34, "2025VT": 38, "2025HT": 45})


def _check_common(nb: nbformat.NotebookNode, text: str) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":  # papermill ran every code cell
            assert cell.get("execution_count") is not None, cell.source[:80]
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error"
            assert out.get("name") != "stdout", "reports must not print"
    headings = re.findall(r"(?m)^(#+) ", text)
    assert headings and all(h in ("##", "###") for h in headings), set(headings)
    # the synthetic case text must never appear; approved quotes only in redacted form
    assert "Vi har sökt [NAMN] utan återkoppling" not in text
    # no small count in tables: every cell of 1 or 2 is shown as <3
    assert not re.search(r"<td class=\"num\">[12]</td>", text)
    assert "data:image/svg+xml;base64," in text
    images = re.findall(r"<img [^>]*>", text)
    assert images, "no chart was rendered"
    for tag in images:  # every chart has a non-empty alternative text
        assert re.search(r'\balt="[^"]+"', tag), tag[:120]


@pytest.mark.slow
def test_term_report_notebook(project: Path, tmp_path: Path) -> None:
    nb = _run(
        NOTEBOOKS / "03_term_report.ipynb",
        tmp_path / "03.ipynb",
        {"term": "2025HT", "compare_term": "2024HT", "root": str(project)},
    )
    text = _outputs(nb)
    _check_common(nb, text)
    assert "hösten 2025" in text
    assert "Jämfört med hösten 2024" in text
    assert "45 fall" in text
    assert "Röjandekontroll" in text
    # approved quotes are listed for checking, with the case to find in the sheet
    assert "## Bilaga: godkända citat" in text
    assert re.search(r"<td>2025HT-[0-9a-f]{10}</td>", text)
    assert "Ingen återkom till [NAMN] om tiden för SIP-mötet." in text


@pytest.mark.slow
def test_annual_report_notebook(project: Path, tmp_path: Path) -> None:
    nb = _run(
        NOTEBOOKS / "04_annual_report.ipynb",
        tmp_path / "04.ipynb",
        {"year": "2025", "compare_year": "2024", "root": str(project)},
    )
    text = _outputs(nb)
    _check_common(nb, text)
    sections = re.findall(r"(?m)^## (\d)\. ", text)
    assert sections == [str(i) for i in range(1, 9)]
    assert "83 fall" in text  # 38 + 45 cases in 2025
    assert "Ingen återkom till \\[NAMN\\] om tiden för SIP-mötet." in text  # approved quote
    assert "Brukarrepresentantens röst" in text  # roster merged
    assert "Radavstämning" in text and "Kodbok" in text
    assert "Förslag från 2024" in text


def test_notebooks_are_thin_and_stripped() -> None:
    for name in ("03_term_report.ipynb", "04_annual_report.ipynb"):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "samverkan"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", [])
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
        for cell in code:
            assert not re.search(r"(?m)^\s*(def|class) ", cell.source), name
            assert "print(" not in cell.source
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                assert not re.search(r"(?m)^# ", cell.source)
        params = code[0].source
        assert "(" not in re.sub(r"#.*", "", params), "literal values only in the parameters cell"
        nbformat.validate(nb)  # a valid notebook for JupyterLab and papermill


@pytest.mark.slow
def test_reports_without_comparison_and_other_min_cell(project: Path, tmp_path: Path) -> None:
    # the disclosure rule comes from params.yaml of the project, read as one policy
    strict = tmp_path / "strikt"
    shutil.copytree(project, strict)
    params = yaml.safe_load((strict / "params.yaml").read_text(encoding="utf-8"))
    params["disclosure"]["min_cell"] = 5
    (strict / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    term = _run(
        NOTEBOOKS / "03_term_report.ipynb",
        tmp_path / "03.ipynb",
        {"term": "2024VT", "compare_term": "", "root": str(strict)},
    )
    text = _outputs(term)
    _check_common(term, text)
    assert "Ingen jämförelse med tidigare termin" in text
    assert "1 till 4 fall" in text
    assert not re.search(r"<td class=\"num\">[1-4]</td>", text)
    annual = _run(
        NOTEBOOKS / "04_annual_report.ipynb",
        tmp_path / "04.ipynb",
        {"year": "2024", "compare_year": "", "root": str(project)},
    )
    text = _outputs(annual)
    _check_common(annual, text)
    assert "Uppföljningsloggen har inga förslag från 2023" in text


@pytest.mark.slow
def test_opened_without_parameters_it_reports_the_latest_term(
    project: Path, tmp_path: Path
) -> None:
    """As in JupyterLab: no term given, so the latest term of params.yaml and its comparison."""
    nb = _run(NOTEBOOKS / "03_term_report.ipynb", tmp_path / "03.ipynb", {"root": str(project)})
    text = _outputs(nb)
    _check_common(nb, text)
    assert "hösten 2025" in text and "Jämfört med hösten 2024" in text
