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
    frame = data.display() if isinstance(data, ProtectedTable) else _plain_frame(data)
    if index is None:
        index = not isinstance(frame.index, pd.RangeIndex)
    if compact is None:
        compact = len(frame.columns) > 5
    style = ' style="font-size:0.72em"' if compact else ""
    cls = "report-table compact" if compact else "report-table"
    parts = [f'<table class="{cls}"{style}>', f"<caption>{html.escape(caption)}</caption>"]
    parts.append(_head_html(frame, index))
    parts.append(_body_html(frame, index))
    if isinstance(data, ProtectedTable):
        parts.append(_note_html(data))
    return "".join(parts)


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
            align = ' class="num"' if num else ""
            cells.append(f"<td{align}>{html.escape(str(value))}</td>")
        cls = ' class="total"' if str(label) == TOTAL_LABEL else ""
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


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
