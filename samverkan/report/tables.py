"""Tables for the reports: plain HTML ``<table>`` with a caption and Swedish number format."""

from __future__ import annotations

import html
import logging
import numbers

import numpy as np
import pandas as pd

from samverkan.privacy.disclosure import SECONDARY_NOTE, TOTAL_LABEL, ProtectedTable
from samverkan.report import fmt

logger = logging.getLogger(__name__)


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
    if isinstance(data, ProtectedTable):
        frame = data.display()
    else:
        frame = data.to_frame() if isinstance(data, pd.Series) else data
        frame = frame.map(_cell)
    if index is None:
        index = not isinstance(frame.index, pd.RangeIndex)
    header_cells = []
    if index:
        header_cells.append(html.escape(str(frame.index.name or "")))
    header_cells += [html.escape(str(c)) for c in frame.columns]
    numeric = [_is_numeric(frame[c].tolist()) for c in frame.columns]

    if compact is None:
        compact = len(frame.columns) > 5
    style = ' style="font-size:0.72em"' if compact else ""
    cls = "report-table compact" if compact else "report-table"
    parts = [f'<table class="{cls}"{style}>', f"<caption>{html.escape(caption)}</caption>"]
    parts.append(
        "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in header_cells) + "</tr></thead>"
    )
    parts.append("<tbody>")
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        total = str(label) == TOTAL_LABEL
        cells = []
        if index:
            cells.append(f'<th scope="row">{html.escape(str(label))}</th>')
        for value, num in zip(row, numeric, strict=True):
            align = ' class="num"' if num else ""
            cells.append(f"<td{align}>{html.escape(str(value))}</td>")
        cls = ' class="total"' if total else ""
        parts.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    if isinstance(data, ProtectedTable):
        notes = []
        if data.marked_small.to_numpy().any():
            notes.append(f"{data.mark} = färre än {data.min_cell} fall")
        if data.has_secondary:
            notes.append(SECONDARY_NOTE)
        if notes:
            parts.append(f'<p class="table-note">{html.escape("; ".join(notes))}.</p>')
    return "".join(parts)


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
