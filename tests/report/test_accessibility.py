"""Accessibility as the real tools see it: axe-core in headless Chromium, pikepdf on the PDF.

* HTML: axe-core (WCAG 2.0/2.1 A and AA rules) reports no violation on a published term
  and annual report; at 360 px the page never scrolls sideways (tables scroll in their own
  labelled containers, WCAG 1.4.10) and at 1 280 px no table needs to scroll.
* PDF: the structure tree root's ID tree resolves every header a data cell names, every
  header cell has a scope, and a table broken across pages is one ``Table`` element.

Skipped only when no Chromium is installed (scripts/setup-system.sh installs it, and
axe-core with npm ci); a missing axe-core fails, since the set-up should have put it there.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from axe_chromium import AXE_JS, Chromium, axe_violations, chromium_path, horizontal_overflow
from conftest import ROOT

from samverkan.report import tables

CHROMIUM = chromium_path()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium saknas (Debians paket chromium; scripts/setup-system.sh installerar det)",
)


@pytest.fixture(scope="module")
def browser():
    assert AXE_JS.exists(), (
        f"axe-core saknas ({AXE_JS}): kör bash scripts/setup-system.sh "
        "(npm ci i tests/accessibility)"
    )
    with Chromium(CHROMIUM) as chromium:
        yield chromium


def _format(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} – {v['nodes']}" for v in violations)


@needs_chromium
def test_axe_finds_what_it_should(browser: Chromium, tmp_path: Path) -> None:
    """The check can fail: an image without alt text and an unlabelled scroll region."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html lang="sv"><head><title>t</title></head><body><main>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#bbb">Ljusgrå text</p></main></body></html>',
        encoding="utf-8",
    )
    found = {v["id"] for v in axe_violations(browser, page)}
    assert {"image-alt", "color-contrast"} <= found


@needs_chromium
def test_a_wide_table_scrolls_in_its_own_region_never_the_page(
    browser: Chromium, tmp_path: Path
) -> None:
    import pandas as pd

    names = [f"Mottagande part {i}" for i in range(12)]
    frame = pd.DataFrame([[i * j for j in range(12)] for i in range(12)], columns=names)
    frame.index = pd.Index(names, name="Rapporterande part")
    page = tmp_path / "wide.html"
    page.write_text(
        '<!DOCTYPE html><html lang="sv"><head><title>t</title><meta name="viewport" '
        'content="width=device-width, initial-scale=1"><style>'
        + (ROOT / "samverkan/report/publish/templates/report.css").read_text(encoding="utf-8")
        + "</style></head><body><main>"
        + tables.table_html(frame, "Parter")
        + "</main></body></html>",
        encoding="utf-8",
    )
    narrow = horizontal_overflow(browser, page, 360)
    assert narrow["page"] <= 0 and narrow["tables"][0]["overflow"] > 0
    assert axe_violations(browser, page) == []


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("kind", ["term", "annual"])
def test_published_report_has_no_axe_violations(browser, published_reports, kind) -> None:
    html_path, _ = published_reports[kind]
    violations = axe_violations(browser, html_path)
    assert violations == [], _format(violations)


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("kind", ["term", "annual"])
def test_published_report_never_scrolls_sideways(browser, published_reports, kind) -> None:
    html_path, _ = published_reports[kind]
    narrow = horizontal_overflow(browser, html_path, 360)
    assert narrow["page"] <= 0, "the page scrolls sideways at 360 px"
    wide = horizontal_overflow(browser, html_path, 1280)
    assert wide["page"] <= 0
    overflowing = [t["label"] for t in wide["tables"] if t["overflow"] > 0]
    assert not overflowing, f"tables that scroll at 1 280 px: {overflowing}"


def _elements(node) -> list:
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        kids = current.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        for kid in items:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append(kid)
                stack.append(kid)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["term", "annual"])
def test_tagged_pdf_resolves_every_header_and_scopes_every_th(published_reports, kind) -> None:
    _, pdf_path = published_reports[kind]
    with pikepdf.open(pdf_path) as pdf:
        root = pdf.Root.StructTreeRoot
        elements = _elements(root)
        assert "/IDTree" in root, "the structure root has no ID tree"
        ids = {key: value.objgen for key, value in pikepdf.NameTree(root.IDTree).items()}
        with_ids = {str(e.ID): e.objgen for e in elements if "/ID" in e}
        assert with_ids and ids == with_ids
        cells = [e for e in elements if str(e.S) == "/TD" and "/Headers" in e.get("/A", {})]
        named = [str(h) for e in cells for h in e.A.Headers]
        assert named and all(h in ids for h in named)
        headers = [e for e in elements if str(e.S) == "/TH"]
        assert headers
        assert all(str(e.A.get("/Scope")) in ("/Column", "/Row") for e in headers)
        tables_tagged = [e for e in elements if str(e.S) == "/Table"]
        captions = [t for t in tables_tagged if any(str(k.S) == "/Caption" for k in _elements(t))]
        assert len(captions) == len(tables_tagged), "a table element without its caption"
