"""Completing WeasyPrint's tagged PDF where PDF/UA and ISO 32000-1 ask more than it writes.

WeasyPrint 70 tags tables (``Table``/``THead``/``TR``/``TH``/``TD``) and links each data
cell to its header cells by ``/Headers`` and header ``/ID`` s, but

* the structure tree root has no ``/IDTree``, which ISO 32000-1 (14.7.2) requires when
  elements carry IDs: without it nobody can resolve a ``/Headers`` reference;
* header cells have no ``/Scope`` (PDF/UA-1 7.5: a ``TH`` must say whether it heads a
  column or a row);
* the structure tree is built page by page, so a table broken across pages becomes two
  ``Table`` elements (the second without its caption).

This post-step (pikepdf, over the PDF that WeasyPrint wrote) adds the ID tree, gives every
``TH`` its scope (column in a ``THead`` or in a row of headers only, row otherwise) and
joins the continuation of a broken table to the table it continues: its rows, the header
row repeated on the next page included, become rows of the one table. It rewrites nothing
in the page contents, so the text and its marked-content links are unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

# pikepdf's import logs an English line at INFO ("logger bridge initialized"): users read
# only Swedish, and it says nothing to them
logging.getLogger("pikepdf").setLevel(logging.WARNING)

import pikepdf  # noqa: E402
from pikepdf import Array, Dictionary, Name, NameTree  # noqa: E402


def _kids(elem: Dictionary) -> list:
    """The struct element children of ``elem`` (no marked-content ids, no references)."""
    k = elem.get("/K")
    if k is None:
        return []
    items = list(k) if isinstance(k, Array) else [k]
    return [i for i in items if isinstance(i, Dictionary) and "/S" in i]


def _walk(elem: Dictionary) -> Iterator[Dictionary]:
    """Every struct element under ``elem`` in document order (pre-order)."""
    for kid in _kids(elem):
        yield kid
        yield from _walk(kid)


def _role(elem: Dictionary) -> str:
    return str(elem.get("/S", ""))


def _page_index(pages: dict[tuple[int, int], int], elem: Dictionary) -> int | None:
    page = elem.get("/Pg")
    return None if page is None else pages.get(page.objgen)


def _last_page(pages: dict[tuple[int, int], int], elem: Dictionary) -> int | None:
    found = [_page_index(pages, e) for e in [elem, *_walk(elem)]]
    found = [p for p in found if p is not None]
    return max(found) if found else None


def _remove_from_parent(elem: Dictionary) -> None:
    """Detach ``elem``; a parent left without children is detached too (split wrappers)."""
    parent = elem.get("/P")
    if parent is None or "/K" not in parent:
        return
    k = parent.K
    if isinstance(k, Array):
        kept = [i for i in k if not (isinstance(i, Dictionary) and i.objgen == elem.objgen)]
        parent.K = Array(kept)
        empty = not kept
    else:
        empty = isinstance(k, Dictionary) and k.objgen == elem.objgen
        if empty:
            parent.K = Array([])
    if empty and _role(parent) not in ("/Document", "/StructTreeRoot") and "/S" in parent:
        _remove_from_parent(parent)


def join_broken_tables(pdf: pikepdf.Pdf, document: Dictionary) -> int:
    """Join each table continued on the next page to the table it continues; return how many.

    A continuation is a ``Table`` without a ``Caption`` that is the first table of the page
    after the one on which the previous table ends (every report table has a caption).
    """
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    tables = [e for e in _walk(document) if _role(e) == "/Table"]
    joined = 0
    first_on_page: set[tuple[int, int]] = set()
    seen_pages: set[int] = set()
    for table in tables:
        page = _page_index(pages, table)
        if page is not None and page not in seen_pages:
            seen_pages.add(page)
            first_on_page.add(table.objgen)
    previous = None
    for table in tables:
        has_caption = any(_role(k) == "/Caption" for k in _kids(table))
        if previous is not None and not has_caption and table.objgen in first_on_page:
            end = _last_page(pages, previous)
            if end is not None and _page_index(pages, table) == end + 1:
                _move_rows(table, previous)
                joined += 1
                continue
        previous = table
    return joined


def _move_rows(continuation: Dictionary, table: Dictionary) -> None:
    """Append the continuation's row groups to ``table`` (the repeated header as a body)."""
    for group in _kids(continuation):
        if _role(group) == "/THead":
            group.S = Name("/TBody")  # one table has one THead: the first page's
        group.P = table
        table.K.append(group)
    continuation.K = Array([])
    _remove_from_parent(continuation)


def add_header_scopes(document: Dictionary) -> int:
    """Give every ``TH`` a ``/Scope``: Column in a header group or header-only row, else Row."""
    count = 0
    for elem in _walk(document):
        if _role(elem) != "/TR":
            continue
        group = elem.get("/P")
        cells = _kids(elem)
        in_head = group is not None and _role(group) == "/THead"
        only_headers = all(_role(c) == "/TH" for c in cells)
        for cell in cells:
            if _role(cell) != "/TH":
                continue
            attrs = cell.get("/A")
            if not isinstance(attrs, Dictionary):
                attrs = Dictionary(O=Name("/Table"))
                cell.A = attrs
            attrs.Scope = Name("/Column") if in_head or only_headers else Name("/Row")
            count += 1
    return count


def add_id_tree(pdf: pikepdf.Pdf, root: Dictionary, document: Dictionary) -> int:
    """The structure tree root's ``/IDTree``: every element ID to its element."""
    tree = NameTree.new(pdf)
    for elem in _walk(document):
        ident = elem.get("/ID")
        if ident is not None:
            tree[str(ident)] = elem
    if len(tree):
        root.IDTree = tree.obj
    return len(tree)


def complete_tags(path: Path) -> dict[str, int]:
    """Add the ID tree and header scopes and join broken tables, rewriting ``path``."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return {}
        documents = [k for k in _kids(root) if _role(k) == "/Document"] or [root]
        counts = {"joined": 0, "scopes": 0, "ids": 0}
        for document in documents:
            counts["joined"] += join_broken_tables(pdf, document)
            counts["scopes"] += add_header_scopes(document)
        counts["ids"] = add_id_tree(pdf, root, documents[0])
        pdf.save(path, deterministic_id=True)
    return counts
