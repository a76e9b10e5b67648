"""Publishing: an executed report notebook → one self-contained HTML file → PDF.

- HTML: nbconvert's ``basic`` template renders only the cells (no code, no prompts, no
  scripts, no CDN); our own page template adds the cover, a table of contents, the
  colophon with provenance, the print stylesheet and subsetted fonts embedded as data URIs,
  so the file works offline on its own.
- PDF: WeasyPrint renders that same HTML with the print stylesheet: A4, cover, table of
  contents with page numbers, page numbers in the footer, Swedish hyphenation (lang="sv"),
  bookmarks from the headings, tagged for accessibility (PDF/UA-1); ``pdftags`` then adds
  what WeasyPrint's tags lack (the ID tree, header scopes, one table per broken table).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import io
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import Environment, StrictUndefined

from samverkan.project.atomic import (
    clean_stale_temporaries,
    private_tempdir,
    write_atomic,
    write_text_atomic,
)
from samverkan.project.errors import InputError
from samverkan.report.provenance import collect as collect_provenance
from samverkan.report.publish.pdftags import complete_tags

log = logging.getLogger(__name__)

REMOVE_TAGS = {"remove", "remove-cell", "parameters", "injected-parameters"}
# The one title of both reports (the domain's term; the subtitle names term or year).
REPORT_TITLE = "Avvikelser i samverkan"
_HEADING = re.compile(r"<h([23])(?:\s+id=\"[^\"]*\")?([^>]*)>(.*?)</h\1>", re.S)
_ANCHOR = re.compile(r"<a class=\"anchor-link\" href=\"#[^\"]*\">¶</a>")
_TAGS = re.compile(r"<[^>]+>")
# The appendix of a report may list the raw files itself (provenance.provenance_table, full
# SHA-256): then the colophon refers to it instead of printing the list a second time.
_RAW_FILE_TABLE = re.compile(r'<th scope="col">SHA-256</th>')
_TABLE_ID = re.compile(r'(aria-labelledby="|<caption id=")(tbl-[0-9a-f]+)"')

# Characters the reports use: Latin-1, Latin Extended-A, punctuation, arrows, math signs.
_FONT_UNICODES = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    *range(0x2010, 0x2030),
    0x2032,
    0x2033,
    0x2039,
    0x203A,
    0x20AC,
    0x2122,
    0x2190,
    0x2191,
    0x2192,
    0x2193,
    0x2212,
    0x2248,
    0x2260,
    0x2264,
    0x2265,
    0x202F,
    0x2022,
    0x25A0,
    0x25CF,
]


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    text: str


def term_label(term: str) -> str:
    """ "2025HT" → "hösten 2025"."""
    term = str(term)
    return f"{'våren' if term.endswith('VT') else 'hösten'} {term[:4]}"


# The embedded fonts' subsets depend only on the font files, the characters above and
# fontTools: made once (about a second of every publishing's CPU) and kept in the user's
# cache, named by a hash of all three, so that a changed input makes a new file.
FONT_FACES = (
    ("DejaVuSans.ttf", "normal", "normal"),
    ("DejaVuSans-Bold.ttf", "bold", "normal"),
    ("DejaVuSans-Oblique.ttf", "normal", "italic"),
    ("DejaVuSans-BoldOblique.ttf", "bold", "italic"),
)
FONT_CACHE_VERSION = "1"  # raise when _subset_fonts_css changes what it writes


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def font_cache_dir() -> Path:
    """Where the subsetted fonts are kept: $XDG_CACHE_HOME/samverkan (~/.cache/samverkan)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "samverkan"


def _fonts_key() -> str:
    import fontTools

    digest = hashlib.sha256(f"{FONT_CACHE_VERSION} {fontTools.version}".encode())
    digest.update(repr((FONT_FACES, _FONT_UNICODES)).encode())
    for name, _, _ in FONT_FACES:
        digest.update((_font_dir() / name).read_bytes())
    return digest.hexdigest()[:32]


@functools.cache
def _fonts_css() -> str:
    """The @font-face rules of the reports, from the cache when it holds them."""
    cached = font_cache_dir() / f"fonts-{_fonts_key()}.css"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        css = cached.read_text("ascii")
        if css.startswith("@font-face") and css.endswith("}"):  # else: made again
            return css
    css = _subset_fonts_css()
    with contextlib.suppress(OSError):  # no cache (read-only home): made again next time
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cached, css)
    return css


def _subset_fonts_css() -> str:
    """@font-face rules with DejaVu Sans (shipped by matplotlib) subsetted and embedded."""
    from fontTools import subset

    rules = []
    for name, weight, style in FONT_FACES:
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.drop_tables = [*options.drop_tables, "FFTM"]
        font = subset.load_font(str(_font_dir() / name), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=_FONT_UNICODES)
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        rules.append(
            "@font-face { font-family: 'Report Sans'; "
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); "
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def _template(name: str) -> str:
    return (
        resources.files("samverkan.report.publish").joinpath("templates", name).read_text("utf-8")
    )


def notebook_body(nb: nbformat.NotebookNode) -> str:
    """The reader-facing HTML of an executed notebook: outputs and Markdown only.

    Code, prompts, stderr streams (warnings) and cells tagged remove/parameters are left out.
    """
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(nb)
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_TAGS:
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and o.get("output_type") != "error"
            ]
            if not cell.outputs:
                continue  # an empty block would carry a page break of its own (a blank page)
        kept.append(cell)
    nb.cells = kept
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


def add_heading_ids(body: str) -> tuple[str, list[TocEntry]]:
    """Give every h2/h3 a unique id (sec-1, sec-2, …) and return the table of contents."""
    body = _ANCHOR.sub("", body)
    toc: list[TocEntry] = []

    def renumber(match: re.Match[str]) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        ident = f"sec-{len(toc) + 1}"
        text = html.unescape(_TAGS.sub("", inner)).strip()
        toc.append(TocEntry(level, ident, text))
        return f'<h{level} id="{ident}"{attrs}>{inner}</h{level}>'

    return _HEADING.sub(renumber, body), toc


def unique_table_ids(body: str) -> str:
    """Number repeated table ids (the same table shown twice): tbl-x, tbl-x-2, …

    Each table's scroll container names its caption's id just before the caption, so the
    n-th ``aria-labelledby`` of an id and the n-th caption of that id belong together.
    """
    seen: dict[tuple[str, str], int] = {}

    def renumber(match: re.Match[str]) -> str:
        key = (match.group(1), match.group(2))
        seen[key] = seen.get(key, 0) + 1
        n = seen[key]
        return f'{match.group(1)}{match.group(2)}{"" if n == 1 else f"-{n}"}"'

    return _TABLE_ID.sub(renumber, body)


def render_html(
    nb: nbformat.NotebookNode,
    *,
    title: str,
    subtitle: str,
    kind: str,
    provenance: dict[str, Any],
    publisher: str,
) -> str:
    from babel.dates import format_date, format_datetime

    body, toc = add_heading_ids(unique_table_ids(notebook_body(nb)))
    created = datetime.fromisoformat(provenance["generated_at"])
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    page = env.from_string(_template("page.html.j2"))
    from markupsafe import Markup

    return page.render(
        title=title,
        subtitle=subtitle,
        kind=kind,
        publisher=publisher,
        toc=toc,
        body=Markup(body),
        raw_files_in_body=bool(_RAW_FILE_TABLE.search(body)),
        css=Markup(_template("report.css")),
        fonts_css=Markup(_fonts_css()),
        provenance=provenance,
        date_text=format_date(created.date(), format="long", locale="sv_SE"),
        created_text=format_datetime(created, "d MMMM y HH:mm 'UTC'", locale="sv_SE"),
    )


def write_pdf(html_text: str, target: Path, base_url: Path) -> Path:
    """Render the HTML to a tagged PDF (PDF/UA-1) with WeasyPrint, atomically."""
    from samverkan.runner import import_weasyprint

    weasyprint = import_weasyprint()

    def write(tmp: Path) -> None:
        # WeasyPrint keeps the embedded fonts in a temporary folder: make it one of ours,
        # so a killed run's is recognised and removed (see clean_stale_tempdirs)
        with private_tempdir("publish") as folder:
            saved, tempfile.tempdir = tempfile.tempdir, str(folder)
            try:
                document = weasyprint.HTML(string=html_text, base_url=str(base_url))
                document.write_pdf(str(tmp), pdf_variant="pdf/ua-1", pdf_tags=True)
            finally:
                tempfile.tempdir = saved
        complete_tags(tmp)

    return write_atomic(target, write)


def publish(
    notebook: Path,
    out_stem: Path,
    *,
    kind: str,
    root: Path,
    publisher: str = "Arbetsgruppen för avvikelser i samverkan",
) -> tuple[Path, Path]:
    """Publish an executed report notebook as ``out_stem.html`` and ``out_stem.pdf``.

    ``kind`` is "term" or "annual"; the title and the terms for provenance come from the
    notebook's papermill parameters (``term`` or ``year``).
    """
    notebook = Path(notebook)
    try:
        nb = nbformat.read(notebook, as_version=4)
    except FileNotFoundError:
        raise InputError(
            notebook, "den körda anteckningsboken finns inte", "Kör dess steg först (dvc repro)"
        ) from None
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    if kind == "term":
        term = str(params.get("term", ""))
        terms = [term]
        title, subtitle = REPORT_TITLE, f"Terminsrapport {term_label(term)}"
    elif kind == "annual":
        year = str(params.get("year", ""))
        terms = [f"{year}VT", f"{year}HT"]
        title, subtitle = REPORT_TITLE, f"Årsrapport {year}"
    else:
        raise ValueError(f"okänd rapporttyp {kind!r} (term eller annual)")
    provenance = collect_provenance(root, terms)
    page = render_html(
        nb,
        title=title,
        subtitle=subtitle,
        kind=kind,
        provenance=provenance,
        publisher=publisher,
    )
    out_stem = Path(out_stem)
    clean_stale_temporaries(out_stem.parent)  # what a killed run left beside the reports
    html_path = write_text_atomic(out_stem.with_suffix(".html"), page)
    pdf_path = write_pdf(page, out_stem.with_suffix(".pdf"), base_url=out_stem.parent)
    log.info("publicerade %s och %s", html_path.name, pdf_path.name)
    return html_path, pdf_path
