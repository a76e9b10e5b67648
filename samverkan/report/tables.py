"""Tables for the reports: plain HTML ``<table>`` with a caption and Swedish number format.

Every table sits in a labelled, keyboard-focusable scroll container (``role="region"``,
``tabindex="0"``, ``aria-labelledby`` its caption), so on a narrow screen the table scrolls
and the page never does (WCAG 1.4.10 Reflow, 2.1.1 Keyboard). The caption is inside the
``<table>`` and the key (what ``<3`` and ``x`` mean) inside the container, so a printed
table keeps both. Classes tell the print stylesheet how to place it: ``wide`` tables get a
landscape page, ``short`` ones are never broken across pages (a long one is, with its header
repeated on every page).
"""

from __future__ import annotations

import hashlib
import html
import logging
import numbers

import numpy as np
import pandas as pd

from samverkan.privacy.disclosure import SECONDARY_NOTE, TOTAL_LABEL, ProtectedTable
from samverkan.report import fmt

logger = logging.getLogger(__name__)

# A table with more columns than this (the row labels included) gets a landscape page.
WIDE_COLUMNS = 7
# ... or whose header words need more room than this many characters in all.
WIDE_HEADER_CHARS = 90
# A table with at most this many rows and this many characters is kept on one page.
SHORT_ROWS = 18
SHORT_CHARS = 1200
# A table at most this many characters wide, with a caption more than twice as long, is
# printed wider (45 % of the line, which such a table never exceeds) so the caption reads.
NARROW_CHARS = 30
# A word longer than this (a checksum, a file name) may be broken anywhere in its cell.
LONG_TOKEN = 24


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nej"
    if isinstance(value, numbers.Integral):
        return fmt.number(int(value))
    if isinstance(value, numbers.Real):
        return fmt.number(float(value), 2)
    return str(value)


def _is_numeric(values: list[object]) -> bool:
    """A column whose cells are numbers or disclosure marks is right-aligned."""

    def numeric(v: object) -> bool:
        text = str(v).replace("\u00a0", "").replace(" ", "").replace(",", "").replace("%", "")
        return text.lstrip("<–-").isdigit() or text in ("–", "", "x")

    return all(numeric(v) for v in values)


def table_html(
    data: ProtectedTable | pd.DataFrame | pd.Series,
    caption: str,
    *,
    index: bool | None = None,
    compact: bool | None = None,
) -> str:
    """Render a table as HTML: a ProtectedTable shows ``<3`` / ``x`` where suppressed.

    ``index``: show the row labels as the first column (default: unless it is a plain
    0..n-1 range). ``compact``: smaller type so that a wide table fits the page (default:
    when it has more than five columns).
    """
    frame = data.display() if isinstance(data, ProtectedTable) else _plain_frame(data)
    if index is None:
        index = not isinstance(frame.index, pd.RangeIndex)
    if compact is None:
        compact = len(frame.columns) > 5
    head = _head_html(frame, index)
    body = _body_html(frame, index)
    note = _note_html(data) if isinstance(data, ProtectedTable) else ""
    ident = "tbl-" + hashlib.sha1((caption + head + body).encode("utf-8")).hexdigest()[:10]
    classes = ["table-scroll"]
    if _is_wide(frame, index):
        classes.append("wide")
    if len(frame) <= SHORT_ROWS and _text_length(frame) <= SHORT_CHARS:
        classes.append("short")
    table_cls = "report-table compact" if compact else "report-table"
    width = _width_chars(frame, index)
    if width <= NARROW_CHARS and len(caption) > 2 * width:
        table_cls += " long-caption"  # print: wide enough that the caption is not squeezed
    return (
        f'<div class="{" ".join(classes)}" role="region" tabindex="0" '
        f'aria-labelledby="{ident}">'
        f'<table class="{table_cls}"><caption id="{ident}">{html.escape(caption)}</caption>'
        f"{head}{body}</table>{note}</div>"
    )


def _is_wide(frame: pd.DataFrame, index: bool) -> bool:
    """Whether the table needs a landscape page: many columns or long header words."""
    labels = [str(c) for c in frame.columns] + ([str(frame.index.name or "")] if index else [])
    if len(labels) > WIDE_COLUMNS:
        return True
    longest_words = sum(max((len(w) for w in label.split()), default=0) for label in labels)
    return longest_words > WIDE_HEADER_CHARS


def _width_chars(frame: pd.DataFrame, index: bool) -> int:
    """The table's width in characters: per column its longest cell or header word."""

    def longest(values: list[object]) -> int:
        return max((len(str(v)) for v in values), default=0)

    words = [max((len(w) for w in str(c).split()), default=0) for c in frame.columns]
    widths = [max(w, longest(frame[c].tolist())) for w, c in zip(words, frame.columns, strict=True)]
    return sum(widths) + (longest(list(frame.index)) if index else 0)


def _text_length(frame: pd.DataFrame) -> int:
    """Characters in the cells and labels: a rough measure of the printed table's height."""
    cells = sum(len(str(v)) for v in frame.to_numpy().ravel())
    return cells + sum(len(str(i)) for i in frame.index)


def _plain_frame(data: pd.DataFrame | pd.Series) -> pd.DataFrame:
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    return frame.map(_cell)


def _head_html(frame: pd.DataFrame, index: bool) -> str:
    header_cells = [html.escape(str(frame.index.name or ""))] if index else []
    header_cells += [html.escape(str(c)) for c in frame.columns]
    return (
        "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in header_cells) + "</tr></thead>"
    )


def _body_html(frame: pd.DataFrame, index: bool) -> str:
    numeric = [_is_numeric(frame[c].tolist()) for c in frame.columns]
    rows = ["<tbody>"]
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [f'<th scope="row">{html.escape(str(label))}</th>'] if index else []
        for value, num in zip(row, numeric, strict=True):
            classes = (["num"] if num else []) + (["token"] if _has_long_token(value) else [])
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{cls}>{_breakable(str(value))}</td>")
        cls = ' class="total"' if str(label) == TOTAL_LABEL else ""
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    rows.append("</tbody>")
    return "".join(rows)


def _has_long_token(value: object) -> bool:
    return any(len(word) > LONG_TOKEN for word in str(value).split())


def _breakable(text: str) -> str:
    """Escaped text; a long word (a checksum) gets a line-break opportunity (``<wbr>``) every
    16 characters, so that it wraps in a narrow column instead of running past the margin."""
    if not _has_long_token(text):
        return html.escape(text)
    words = []
    for word in text.split(" "):
        chunks = (
            [word[i : i + 16] for i in range(0, len(word), 16)]
            if len(word) > LONG_TOKEN
            else [word]
        )
        words.append("<wbr>".join(html.escape(c) for c in chunks))
    return " ".join(words)


def _note_html(data: ProtectedTable) -> str:
    """The key under a protected table: what its marks mean ("" when it hides nothing)."""
    notes = []
    if data.marked_small.to_numpy().any():
        notes.append(f"{data.mark} = färre än {data.policy.min_cell} fall")
    if data.has_secondary:
        notes.append(SECONDARY_NOTE)
    if not notes:
        return ""
    return f'<p class="table-note">{html.escape("; ".join(notes))}.</p>'


def show_table(
    data: ProtectedTable | pd.DataFrame | pd.Series,
    caption: str,
    *,
    index: bool | None = None,
    compact: bool | None = None,
):
    """The table as an IPython HTML display object (for a report notebook's output)."""
    from IPython.display import HTML

    return HTML(table_html(data, caption, index=index, compact=compact))
