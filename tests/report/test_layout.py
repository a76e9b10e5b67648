"""Every table on its page, read from the PDF as a reader sees it.

Each page's words are taken with their boxes (``pdftotext -bbox``, poppler-utils), and only
what lies on the page counts: text WeasyPrint drew past the page edge is cut off for a
reader, so a cut table shows up as headers missing from the visible text or as a word that
reaches the edge. Then: every header of every table of the HTML is visible in the PDF (from its
caption's page on), nothing starts beyond the right margin, and no page but the cover holds
fewer than a few lines of body text (no blank pages, none with only a caption or a heading;
a page with a chart needs only the chart's caption).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pikepdf
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from samverkan.report import tables
from samverkan.report.publish import publish

MIN_LINES = 4  # body lines on every page but the cover
FOOTER_HEIGHT = 45  # points from the bottom edge: the running footer lies below
EDGE = 1.0  # points: a word that reaches the page edge is cut there
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    PDFTOTEXT is None,
    reason="pdftotext saknas (paketet poppler-utils; scripts/setup-system.sh installerar det)",
)


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_BLOCK = re.compile(r"<block [^>]*>(.*?)</block>", re.S)
_LINE = re.compile(r"<line [^>]*>(.*?)</line>", re.S)
CELL_GAP = 6.0  # points: a wider gap between two words on a line separates two cells
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>'
)


def _visible_pages(pdf_path: Path) -> list[dict]:
    """Per page: its size, its words with their boxes and its text blocks (``-bbox-layout``).

    Poppler drops what lies past the page edge and keeps a word the edge cuts only up to
    the edge, so a word reaching the edge counts as cut. A block is one table cell or one
    paragraph, its lines in order: a header wrapped over lines is whole in its block.
    """
    out = subprocess.run(
        [PDFTOTEXT, "-bbox-layout", str(pdf_path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = []
    for width, height, body in _PAGE.findall(out):
        words, cells = [], []
        for block in _BLOCK.findall(body):
            lines = [
                [(float(x0), float(y0), float(x1), html.unescape(w)) for x0, y0, x1, w in found]
                for found in (_WORD.findall(line) for line in _LINE.findall(block))
            ]
            words += [w for line in lines for w in line]
            cells += _cells(lines)
        pages.append(
            {"width": float(width), "height": float(height), "words": words, "blocks": cells}
        )
    return pages


def _cells(lines: list[list[tuple[float, float, float, str]]]) -> list[str]:
    """A block's text per cell: a line splits where words are far apart, and the pieces that
    start at the same x belong to one (left-aligned) cell, read top to bottom."""
    by_start: dict[int, list[str]] = {}
    for line in lines:
        piece: list[tuple[float, float, float, str]] = []
        for word in [*line, None]:
            if piece and (word is None or word[0] - piece[-1][2] > CELL_GAP):
                key = round(piece[0][0] / 3)
                by_start.setdefault(key, []).append("".join(w[3] for w in piece))
                piece = []
            if word is not None:
                piece.append(word)
    return [_normal("".join(texts)) for texts in by_start.values()]


def _pages_with_images(pdf_path: Path) -> set[int]:
    """Indexes of the pages with a chart (its text is drawn as paths): a tagged ``Figure``."""
    with pikepdf.open(pdf_path) as pdf:
        index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        found: set[int] = set()
        stack = [pdf.Root.StructTreeRoot] if "/StructTreeRoot" in pdf.Root else []
        while stack:
            kids = stack.pop().get("/K")
            for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    if str(kid.S) == "/Figure" and "/Pg" in kid:
                        found.add(index[kid.Pg.objgen])
                    stack.append(kid)
    return found


def _normal(text: str) -> str:
    """Text without spaces, line breaks and hyphens (WeasyPrint hyphenates headers)."""
    return re.sub(r"[\s\u00ad\u2010\u2011-]", "", text)


def _html_tables(html_text: str) -> list[tuple[str, list[str]]]:
    """(caption, header texts) of every table of the report."""
    found = []
    for table in re.findall(r"<table\b.*?</table>", html_text, re.S):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S)
        headers = [
            html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r"<th\b[^>]*>(.*?)</th>", table, re.S)
        ]
        text = html.unescape(re.sub(r"<[^>]+>", "", caption.group(1))) if caption else ""
        found.append((text.strip(), [h for h in headers if h]))
    return found


def layout_problems(html_path: Path, pdf_path: Path) -> list[str]:
    """What a careful publisher would object to, one line each (empty: none)."""
    pages = _visible_pages(pdf_path)
    charts = _pages_with_images(pdf_path)
    texts = ["\n".join(page["blocks"]) for page in pages]
    problems = []
    for number, page in enumerate(pages[1:], start=2):
        body = [w for w in page["words"] if w[1] < page["height"] - FOOTER_HEIGHT]
        lines = {round(w[1]) for w in body}
        if len(lines) < MIN_LINES and not (number - 1 in charts and lines):
            problems.append(f"sida {number}: bara {len(lines)} rader text")
        cut = [w[3] for w in body if w[2] > page["width"] - EDGE]
        if cut:
            problems.append(f"sida {number}: text skuren vid sidkanten: {cut[:3]}")
    start = 0
    for caption, headers in _html_tables(html_path.read_text(encoding="utf-8")):
        key = _normal(caption)
        where = next((i for i in range(start, len(texts)) if key and key in texts[i]), None)
        if where is None:
            problems.append(f"tabellen {caption!r} saknas i PDF:en")
            continue
        start = where
        blocks = [b for page in pages[where:] for b in page["blocks"]]
        missing = [h for h in headers if not any(_normal(h) in b for b in blocks)]
        if missing:
            problems.append(f"tabellen {caption!r} (sida {where + 1}) saknar {missing[:5]}")
    return problems


PARTIES = [
    "Vuxenhabilitering",
    "Elevhälsa (medicinsk och psykologisk)",
    "Kriminalvården",
    "Barn- och ungdomspsykiatri",
    "Primärvård",
    "Socialtjänst (inkl. LSS)",
    "Personligt ombud, brukar- eller anhörigföreträdare",
    "Vuxenpsykiatri",
    "Okänd part",
    "Hemsjukvård",
    "Region Skåne sjukhus",
    "Totalt",
]


def _report_with_wide_and_long_tables(root: Path) -> tuple[Path, Path]:
    wide = pd.DataFrame(
        [[(i * 7 + j * 3) % 23 for j in range(len(PARTIES))] for i in range(len(PARTIES))],
        index=pd.Index(PARTIES, name="Rapporterande part"),
        columns=PARTIES,
    )
    long = pd.DataFrame(
        {
            "Fil": [f"2025HT: organisation_{i}__system.csv" for i in range(80)],
            "Kontrollsumma": [f"{i:064x}" for i in range(80)],
            "Rader": list(range(80)),
        }
    )
    cells = [new_markdown_cell("## Parter\n\n" + "Matrisen visar vem som rapporterade. " * 12)]
    for frame, caption, index in [(wide, "Parter", None), (long, "Filer", False)]:
        output = new_output(
            "display_data",
            data={"text/html": tables.table_html(frame, caption, index=index), "text/plain": ""},
        )
        cells.append(new_code_cell("", outputs=[output]))
        cells.append(new_markdown_cell("## Avsnitt efter tabellen\n\n" + "Mer text. " * 60))
    nb = new_notebook(cells=cells)
    nb.metadata["papermill"] = {"parameters": {"term": "2025HT"}}
    (root / "config").mkdir(parents=True)
    nbformat.write(nb, root / "run.ipynb")
    return publish(root / "run.ipynb", root / "out" / "rapport", kind="term", root=root)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _report_with_wide_and_long_tables(tmp_path_factory.mktemp("layout"))


@pytest.mark.slow
def test_a_wide_and_a_long_table_fit_their_pages(synthetic) -> None:
    html_path, pdf_path = synthetic
    assert layout_problems(html_path, pdf_path) == []
    reader = PdfReader(pdf_path)
    landscape = [i + 1 for i, p in enumerate(reader.pages) if p.mediabox.width > p.mediabox.height]
    assert len(landscape) == 1, "the wide table gets one landscape page"
    text = reader.pages[landscape[0] - 1].extract_text()
    assert "Parter" in text and "Hemsjukvård" in text


@pytest.mark.slow
def test_a_table_broken_across_pages_is_one_tagged_table_with_its_header_repeated(
    synthetic,
) -> None:
    html_path, pdf_path = synthetic
    reader = PdfReader(pdf_path)
    pages_with_header = [
        i for i, p in enumerate(reader.pages) if re.search(r"Fil\s+Kontrollsumma", p.extract_text())
    ]
    assert len(pages_with_header) >= 2, "the long table spans pages, header on each"
    with pikepdf.open(pdf_path) as pdf:
        elements, stack = [], [pdf.Root.StructTreeRoot]
        while stack:
            kids = stack.pop().get("/K")
            for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    elements.append(kid)
                    stack.append(kid)
        tagged = [e for e in elements if str(e.S) == "/Table"]
        assert len(tagged) == len(_html_tables(html_path.read_text(encoding="utf-8")))
        rows = [e for e in elements if str(e.S) == "/TR"]
        assert len(rows) >= 80 + len(PARTIES) + 1 + len(pages_with_header)


def test_layout_check_finds_a_page_with_only_a_caption(tmp_path: Path) -> None:
    """The check can fail: a lone caption on a page and a table cut at the margin."""
    import weasyprint

    page_html = (
        '<html lang="sv"><body><p>rad 1</p><p>rad 2</p><p>rad 3</p><p>rad 4</p>'
        '<div style="break-before: page"></div>'
        "<table><caption>Ensam</caption><tr><th>A</th></tr></table>"
        '<table style="break-before: page"><caption>Bred</caption><tr>'
        + "".join(f"<th>Rubrik{i}</th>" for i in range(40))
        + "</tr></table></body></html>"
    )
    html_path = tmp_path / "x.html"
    html_path.write_text(page_html, encoding="utf-8")
    pdf_path = tmp_path / "x.pdf"
    weasyprint.HTML(string=page_html).write_pdf(pdf_path)
    problems = layout_problems(html_path, pdf_path)
    assert any("sida 2: bara" in p for p in problems), problems
    assert any("'Bred'" in p and "Rubrik9" in p for p in problems), problems
    assert any("skuren vid sidkanten" in p for p in problems), problems


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["term", "annual"])
def test_published_reports_fit_their_pages(published_reports, kind) -> None:
    html_path, pdf_path = published_reports[kind]
    assert layout_problems(html_path, pdf_path) == []


def test_every_table_sits_in_a_labelled_focusable_region_with_its_caption_inside() -> None:
    frame = pd.DataFrame({"Fall": [12, 5]}, index=pd.Index(["SIP", "Rutiner"], name="Orsak"))
    out = tables.table_html(frame, "Fall per orsak")
    region = re.match(
        r'<div class="table-scroll short" role="region" tabindex="0" aria-labelledby="([^"]+)">'
        r'<table class="report-table[^"]*"><caption id="([^"]+)">Fall per orsak</caption>'
        r"<thead>",
        out,
    )
    assert region and region.group(1) == region.group(2)
    assert out.endswith("</table></div>")


def test_wide_long_and_checksum_tables_are_marked_for_print() -> None:
    wide = pd.DataFrame([[1] * len(PARTIES)], columns=PARTIES, index=pd.Index(["A"], name="Part"))
    assert 'class="table-scroll wide short"' in tables.table_html(wide, "Parter")
    long = pd.DataFrame({"Orsak": [f"Orsak {i}" for i in range(40)]})
    assert 'class="table-scroll"' in tables.table_html(long, "Lång", index=False)
    narrow = pd.DataFrame({"Fall": [3]}, index=pd.Index(["SIP"], name="Orsak"))
    assert "long-caption" in tables.table_html(narrow, "Fall som gäller barn och unga per orsak")
    assert "long-caption" not in tables.table_html(narrow, "Fall per orsak")
    assert "long-caption" not in tables.table_html(wide, "Fall per part, med en lång rubrik här")
    digest = "ab" * 32
    sums = tables.table_html(pd.DataFrame({"SHA-256": [digest]}), "Summor", index=False)
    assert '<td class="token">' in sums and "<wbr>" in sums
    assert re.sub(r"<wbr>", "", sums).count(digest) == 1  # the checksum reads (and copies) whole


def test_a_table_shown_twice_gets_distinct_ids() -> None:
    from samverkan.report.publish import unique_table_ids

    once = tables.table_html(pd.DataFrame({"Fall": [3]}, index=["SIP"]), "Fall")
    body = unique_table_ids(once + once)
    labels = re.findall(r'aria-labelledby="([^"]+)"', body)
    captions = re.findall(r'<caption id="([^"]+)"', body)
    assert labels == captions and len(set(labels)) == 2
