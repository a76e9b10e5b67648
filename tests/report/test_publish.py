from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from samverkan.report.publish import add_heading_ids, notebook_body, publish, term_label

SVG = (
    "data:image/svg+xml;base64,"
    "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIxMCIgaGVpZ2h0PSIxMCI+"
    "PHJlY3Qgd2lkdGg9IjEwIiBoZWlnaHQ9IjEwIi8+PC9zdmc+"
)


def _notebook() -> nbformat.NotebookNode:
    params = new_code_cell("term = '2025HT'")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[
            params,
            new_markdown_cell("## Sammanfattning\n\nÅtta fall gällde SIP-möten i Ängelholm."),
            new_code_cell(
                "secret_code_line = 1",
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "text/html": f'<figure><img src="{SVG}" alt="Stapeldiagram över '
                            'orsaker"><figcaption>Figur 1</figcaption></figure>',
                            "text/plain": "<figure>",
                        },
                    ),
                    new_output("stream", name="stderr", text="UserWarning: hidden"),
                ],
            ),
            new_markdown_cell("## Metod\n\n### Tabell\n\ntext\n\n### Tabell\n\ntext"),
        ]
    )
    nb.metadata["papermill"] = {"parameters": {"term": "2025HT"}}
    return nb


def test_body_has_no_code_no_stderr_and_no_parameters() -> None:
    body = notebook_body(_notebook())
    assert "secret_code_line" not in body
    assert "UserWarning" not in body
    assert "term = " not in body
    assert "Åtta fall" in body


def test_heading_ids_are_unique_and_feed_the_toc() -> None:
    body, toc = add_heading_ids(notebook_body(_notebook()))
    assert [(e.level, e.text) for e in toc] == [
        (2, "Sammanfattning"),
        (2, "Metod"),
        (3, "Tabell"),
        (3, "Tabell"),
    ]
    ids = re.findall(r'<h[23] id="([^"]+)"', body)
    assert ids == [e.id for e in toc] and len(set(ids)) == 4
    assert "anchor-link" not in body


def test_term_label() -> None:
    assert term_label("2025HT") == "hösten 2025"
    assert term_label("2024VT") == "våren 2024"


@pytest.mark.slow
def test_publish_writes_offline_html_and_a_tagged_pdf_with_swedish_text(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    nb_path = tmp_path / "run.ipynb"
    nbformat.write(_notebook(), nb_path)
    html_path, pdf_path = publish(
        nb_path, tmp_path / "out" / "terminsrapport-2025HT", kind="term", root=tmp_path
    )
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html and '<html lang="sv">' in html
    assert "<script" not in html, "no scripts in the report"
    assert not re.search(r"""(src|href)=["']https?://""", html), "nothing loaded from the web"
    assert all('alt="' in img for img in re.findall(r"<img[^>]*>", html))
    assert "Terminsrapport hösten 2025" in html
    assert 'href="#sec-1"' in html  # table of contents
    reader = PdfReader(pdf_path)
    assert reader.metadata.title == "Avvikelser i samverkan – Terminsrapport hösten 2025"
    first = reader.pages[0].extract_text()
    assert "Avvikelser i samverkan" in first and "hösten 2025" in first
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Åtta fall gällde SIP-möten i Ängelholm" in text
    assert "Sida 2 av" in text  # page numbers
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged PDF


def test_colophon_lists_the_raw_files_by_organisation_system_and_hash(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "organisations.yaml").write_text(
        "organisations:\n  svedala:\n    name: Svedala kommun\n    kind: kommun\n"
        "    systems:\n      lifecare: [x]\n",
        encoding="utf-8",
    )
    raw = tmp_path / "data" / "raw" / "2025HT"
    raw.mkdir(parents=True)
    (raw / "svedala__lifecare.csv").write_bytes(b"Avvikelsenummer;Registreringsdatum\r\n")
    (raw / "Karin Holm.csv").write_bytes(b"x\n")  # a raw file named after a person
    nb_path = tmp_path / "run.ipynb"
    nbformat.write(_notebook(), nb_path)
    html_path, pdf_path = publish(
        nb_path, tmp_path / "out" / "terminsrapport-2025HT", kind="term", root=tmp_path
    )
    html = html_path.read_text(encoding="utf-8")
    digest = hashlib.sha256(b"Avvikelsenummer;Registreringsdatum\r\n").hexdigest()
    assert "2 filer, identifierade med SHA-256 i tabellen nedan" in html
    assert "<td>2025HT</td><td>Svedala kommun</td><td>lifecare</td>" in html
    assert digest[:16] in html and "<td>okänd fil</td>" in html
    assert hashlib.sha256(b"x\n").hexdigest()[:16] in html
    text = "".join(page.extract_text() for page in PdfReader(pdf_path).pages)
    assert digest[:16] in text
    for out in (html, text):
        assert "svedala__lifecare" not in out and "Karin" not in out and "Holm" not in out
