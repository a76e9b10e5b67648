"""Charts for the reports: one function per chart, one look everywhere.

* Colour-blind-safe palette (Okabe–Ito) plus hatching, markers and direct labels, so every
  chart also reads in grey print.
* DejaVu Sans, Swedish labels and number format (``1 234``, ``12,5 %``).
* Counts hidden by disclosure control are never drawn as exact bars or points: a bar is
  left out and labelled ``<3`` (or ``x``) instead; a point on a trend line is left out.
* A heat map's colour scale runs from the smallest to the largest count it shows; hidden
  cells are grey and hatched, outside the scale. A heat map all of whose cells are hidden
  says nothing: it is replaced by a sentence (``ChartOmitted``).
* Labels are wrapped at word boundaries only, never inside a word.
* ``show`` embeds a figure as SVG (vector in the PDF) in ``<figure>`` with alt text and
  a caption.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state), so nothing is shown
twice in a notebook and nothing leaks between charts.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from samverkan.privacy.disclosure import TOTAL_LABEL, DisclosurePolicy, ProtectedTable
from samverkan.report import fmt

logger = logging.getLogger(__name__)

# Okabe & Ito (2008), "Color Universal Design": safe for the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermilion
    "#F0E442",  # yellow
    "#000000",  # black
)
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo", "+++", "---")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
LINESTYLES = ("-", "--", "-.", ":")
FONT = "DejaVu Sans"
TEXT_COLOUR = "#222222"
SUPPRESSED_COLOUR = "#BBBBBB"
WIDTH_IN = 7.0  # fits A4 with margins


def _figure(height: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height), dpi=100, layout="constrained")
    return fig


def _style(ax, *, x_counts: bool = True) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT_COLOUR, labelsize=9)
    formatter = FuncFormatter(lambda v, _pos: fmt.number(v))
    if x_counts:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(formatter)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(formatter)


def _apply_font(fig: Figure) -> None:
    for text in fig.findobj(lambda o: hasattr(o, "set_fontfamily")):
        text.set_fontfamily(FONT)


@dataclass(frozen=True)
class ChartOmitted:
    """A chart left out because it would show nothing; ``text`` says so in its place."""

    text: str


def _wrap(label: object, width: int = 28) -> str:
    """Break a label into lines of about ``width`` characters, between words only."""
    lines = textwrap.wrap(str(label), width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines) or str(label)


def _inner(pt: ProtectedTable) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Values, suppression mask and shown text, without the total row and column."""
    values, mask, text = pt.values, pt.suppressed, pt.display()
    rows = [r for r in values.index if r != TOTAL_LABEL]
    cols = [c for c in values.columns if c != TOTAL_LABEL]
    return values.loc[rows, cols], mask.loc[rows, cols], text.loc[rows, cols]


def _label_bars(
    ax, pos: np.ndarray, values: pd.Series, hidden: pd.Series, text: pd.Series, vmax: float
) -> None:
    """Write each bar's shown value (or its suppression mark, in italics) beside it."""
    cells = zip(pos, values.to_numpy(), hidden.to_numpy(), text, strict=True)
    for p, v, is_hidden, label in cells:
        ax.text(
            (0 if is_hidden else v) + vmax * 0.01,
            p,
            label,
            va="center",
            fontsize=8,
            color=TEXT_COLOUR,
            style="italic" if is_hidden else "normal",
        )


def _finish_bars(ax, y: np.ndarray, rows: pd.Index, vmax: float, xlabel: str) -> None:
    """Row labels, room on the right for the bar labels, axis label and style."""
    ax.set_yticks(y, [_wrap(r) for r in rows])
    ax.set_xlim(0, vmax * 1.12)
    ax.set_xlabel(xlabel)
    _style(ax)


def grouped_bars(pt: ProtectedTable, xlabel: str = "Antal fall", legend_title: str = "") -> Figure:
    """Horizontal bars, one group per row and one bar per column, each bar labelled."""
    values, mask, shown_text = _inner(pt)
    n_rows, n_cols = values.shape
    fig = _figure(max(2.2, 0.35 * n_rows * max(n_cols, 1) + 0.9))
    ax = fig.add_subplot()
    height = 0.8 / max(n_cols, 1)
    y = np.arange(n_rows)[::-1]
    vmax = max(int(values.to_numpy().max()) if values.size else 0, 1)
    for k, col in enumerate(values.columns):
        pos = y + 0.4 - height * (k + 0.5)
        shown = values[col].where(~mask[col], 0).to_numpy()
        ax.barh(
            pos,
            shown,
            height=height * 0.92,
            color=PALETTE[k % len(PALETTE)],
            hatch=HATCHES[k % len(HATCHES)],
            edgecolor="white" if k == 0 else TEXT_COLOUR,
            linewidth=0.4,
            label=str(col),
        )
        _label_bars(ax, pos, values[col], mask[col], shown_text[col], vmax)
    _finish_bars(ax, y, values.index, vmax, xlabel)
    if n_cols > 1:
        ax.legend(
            title=legend_title or None,
            fontsize=8,
            title_fontsize=8,
            frameon=False,
            loc="lower right",
        )
    _apply_font(fig)
    return fig


def organisation_direction_bars(pt: ProtectedTable) -> Figure:
    """Cases per organisation as stacked bars by direction (a protected organisation table)."""
    return stacked_bars(pt, "Antal fall", "Riktning")


def _row_totals(pt: ProtectedTable, values: pd.DataFrame, mask: pd.DataFrame):
    """Per row: the total, whether it is hidden, and its displayed text (None: no column)."""
    if TOTAL_LABEL in pt.values.columns:
        return pt.values[TOTAL_LABEL], pt.suppressed[TOTAL_LABEL], pt.display()[TOTAL_LABEL]
    return values.sum(axis=1), mask.any(axis=1), None


def _stack_segments(ax, y, values, mask, total_hidden) -> np.ndarray:
    """Draw one segment per shown cell, column by column; return where each bar ends."""
    left = np.zeros(len(values))
    for k, col in enumerate(values.columns):
        widths = np.where(
            mask[col].to_numpy() | total_hidden.loc[values.index].to_numpy(),
            0,
            values[col].to_numpy(),
        )
        ax.barh(
            y,
            widths,
            left=left,
            height=0.7,
            color=PALETTE[k % len(PALETTE)],
            hatch=HATCHES[k % len(HATCHES)],
            edgecolor="white" if k == 0 else TEXT_COLOUR,
            linewidth=0.4,
            label=str(col),
        )
        left = left + widths
    return left


def _hidden_segment(ax, y, values, totals, total_hidden, left, mark: str) -> None:
    """The hidden cells of each row as one grey segment: shown total minus shown cells."""
    hidden_part = np.array(
        [
            0 if total_hidden.loc[r] else int(totals.loc[r]) - int(left[i])
            for i, r in enumerate(values.index)
        ]
    )
    if hidden_part.any():
        ax.barh(
            y,
            hidden_part,
            left=left,
            height=0.7,
            color=SUPPRESSED_COLOUR,
            hatch="...",
            edgecolor=TEXT_COLOUR,
            linewidth=0.4,
            label=f"Dolt ({mark} eller x)",
        )


def _total_labels(ax, y, index, totals, total_hidden, total_text, mark: str, vmax: float) -> None:
    """The row total after each bar, or the mark where the total is hidden."""
    for i, r in enumerate(index):
        if total_hidden.loc[r]:
            label = total_text.loc[r] if total_text is not None else mark
            ax.text(vmax * 0.01, y[i], label, va="center", fontsize=8, style="italic")
        else:
            ax.text(
                int(totals.loc[r]) + vmax * 0.01,
                y[i],
                fmt.number(int(totals.loc[r])),
                va="center",
                fontsize=8,
                color=TEXT_COLOUR,
            )


def stacked_bars(pt: ProtectedTable, xlabel: str = "Antal fall", legend_title: str = "") -> Figure:
    """One stacked horizontal bar per row: a segment per column that is shown.

    Needs the row totals (``protect(..., row_totals=True)``). Hidden cells of a row are drawn
    together as one grey hatched segment ("dolt"): its length is the shown row total minus
    the shown cells, which the table already gives away, so it reveals nothing new. A row
    whose total is hidden gets no bar, only its mark.
    """
    values, mask, _ = _inner(pt)
    totals, total_hidden, total_text = _row_totals(pt, values, mask)
    n_rows = len(values)
    fig = _figure(max(2.0, 0.42 * n_rows + 1.1))
    ax = fig.add_subplot()
    y = np.arange(n_rows)[::-1]
    left = _stack_segments(ax, y, values, mask, total_hidden)
    _hidden_segment(ax, y, values, totals, total_hidden, left, pt.mark)
    vmax = max(float(totals.loc[values.index].max()) if n_rows else 0.0, 1.0)
    _total_labels(ax, y, values.index, totals, total_hidden, total_text, pt.mark, vmax)
    _finish_bars(ax, y, values.index, vmax, xlabel)
    ax.legend(
        title=legend_title or None, fontsize=8, title_fontsize=8, frameon=False, loc="lower right"
    )
    _apply_font(fig)
    return fig


def comparison_bars(pt: ProtectedTable) -> Figure:
    """Cases per row in two periods (columns: earlier period first)."""
    return grouped_bars(pt, "Antal fall", "Period")


def count_bars(
    pt: ProtectedTable, xlabel: str = "Antal fall", colors: Sequence[str] = ()
) -> Figure:
    """Horizontal bars of a one-column table (causes, categories), largest first as given."""
    values, mask, shown_text = _inner(pt)
    col = values.columns[0]
    n = len(values)
    fig = _figure(max(1.8, 0.38 * n + 0.8))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    vmax = max(int(values[col].max()) if n else 0, 1)
    shown = values[col].where(~mask[col], 0).to_numpy()
    colour = list(colors) if colors else [PALETTE[0]] * n
    ax.barh(y, shown, height=0.7, color=colour[:n], edgecolor=TEXT_COLOUR, linewidth=0.4)
    _label_bars(ax, y, values[col], mask[col], shown_text[col], vmax)
    _finish_bars(ax, y, values.index, vmax, xlabel)
    _apply_font(fig)
    return fig


def cause_bars(pt: ProtectedTable) -> Figure:
    """Causes as horizontal bars (one colour: the order carries the meaning)."""
    return count_bars(pt, "Antal fall")


def category_bars(pt: ProtectedTable) -> Figure:
    """Categories as horizontal bars."""
    return count_bars(pt, "Antal fall")


def cause_trend_lines(trend: pd.DataFrame, policy: DisclosurePolicy, top: int = 5) -> Figure:
    """Cases per cause over periods (rows: periods in order; columns: cause labels).

    Shows the ``top`` causes with most cases over all periods. Counts that the disclosure
    ``policy`` hides are left out (a gap in the line), never drawn.
    """
    totals = trend.sum(axis=0).sort_values(ascending=False, kind="stable")
    chosen = [c for c in totals.index if totals[c] > 0][:top]
    fig = _figure(3.4)
    ax = fig.add_subplot()
    x = np.arange(len(trend.index))
    for k, cause in enumerate(chosen):
        series = trend[cause].astype(float)
        series = series.where(~((series > 0) & (series < policy.min_cell)))
        ax.plot(
            x,
            series.to_numpy(),
            color=PALETTE[k % len(PALETTE)],
            linestyle=LINESTYLES[k % len(LINESTYLES)],
            marker=MARKERS[k % len(MARKERS)],
            markersize=5,
            linewidth=1.6,
            label=str(cause),
        )
        last = series.last_valid_index()
        if last is not None:
            ax.annotate(
                str(cause),
                (x[list(trend.index).index(last)], series[last]),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color=TEXT_COLOUR,
            )
    labels = [fmt.term_label(p, short=True) if len(str(p)) == 6 else str(p) for p in trend.index]
    ax.set_xticks(x, labels)
    ax.set_xlim(-0.3, max(len(x) - 1, 1) + 0.9)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Antal fall")
    _style(ax, x_counts=False)
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncols=2)
    _apply_font(fig)
    return fig


def party_heatmap(pt: ProtectedTable) -> Figure | ChartOmitted:
    """Reporting party (rows) against receiving party (columns), counts written in the cells.

    Suppressed cells are grey and read ``<3`` or ``x``; the colour scale is viridis (monotone
    in lightness, so it survives grey print).
    """
    return matrix_heatmap(pt, "Mottagande part", "Rapporterande part")


def cooccurrence_heatmap(pt: ProtectedTable) -> Figure | ChartOmitted:
    """Causes that occur in the same case (a protected ``stats.cause_cooccurrence``)."""
    return matrix_heatmap(pt, "", "")


def matrix_heatmap(pt: ProtectedTable, xlabel: str, ylabel: str) -> Figure | ChartOmitted:
    """A count matrix as a heatmap with the counts (or ``<3`` / ``x``) written in the cells.

    The colour scale starts at the smallest and ends at the largest count shown; hidden
    cells are grey and hatched. When every cell is hidden there is nothing to draw, and a
    sentence saying so (``ChartOmitted``) takes the chart's place.
    """
    values, mask, shown_text = _inner(pt)
    shown = values.to_numpy(dtype=float)[~mask.to_numpy()]
    if not shown.size:
        return ChartOmitted(
            "Diagrammet visas inte: röjandekontrollen döljer alla dess rutor. "
            "Tabellen visar vad som kan redovisas."
        )
    n_rows, n_cols = values.shape
    fig = _figure(max(2.5, 0.42 * n_rows + 1.8))
    ax = fig.add_subplot()
    data = np.ma.masked_array(values.to_numpy(dtype=float), mask=mask.to_numpy())
    cmap = colormaps["viridis_r"].with_extremes(bad=SUPPRESSED_COLOUR)
    vmin, vmax = float(shown.min()), float(shown.max())
    # vector cells (pcolormesh, not imshow): the SVG holds no embedded raster image
    image = ax.pcolormesh(
        np.arange(n_cols + 1) - 0.5,
        np.arange(n_rows + 1) - 0.5,
        data,
        cmap=cmap,
        vmin=vmin,
        vmax=max(vmax, vmin + 1e-9),
    )
    image.set_edgecolor("face")
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)  # first row at the top, as in the table
    _heatmap_cells(ax, values, mask, shown_text, vmin, vmax)
    # vertical column labels: wrapped ones stay apart however many columns there are
    ax.set_xticks(range(n_cols), [_wrap(c, 20) for c in values.columns], rotation=90)
    ax.set_yticks(range(n_rows), [_wrap(r, 30) for r in values.index])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(labelsize=8)
    _colour_bar(fig, ax, image, vmin, vmax)
    _apply_font(fig)
    return fig


def _heatmap_cells(ax, values, mask, shown_text, vmin: float, vmax: float) -> None:
    """Write each cell's text; hatch the hidden cells (grey already: masked)."""
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            hidden = bool(mask.iat[i, j])
            if hidden:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5),
                        1,
                        1,
                        facecolor=SUPPRESSED_COLOUR,
                        hatch="///",
                        edgecolor="#888888",
                        linewidth=0,
                    )
                )
            v = float(values.iat[i, j])
            dark = not hidden and vmax > vmin and (v - vmin) > (vmax - vmin) * 0.55
            ax.text(
                j,
                i,
                shown_text.iat[i, j],
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else TEXT_COLOUR,
                style="italic" if hidden else "normal",
                bbox={"facecolor": SUPPRESSED_COLOUR, "edgecolor": "none", "pad": 1}
                if hidden
                else None,
            )


def _colour_bar(fig: Figure, ax, image, vmin: float, vmax: float) -> None:
    """The scale with whole-number ticks from the smallest to the largest shown count."""
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.solids.set_rasterized(False)  # matplotlib rasterises a long scale; keep it vector
    bar.solids.set_edgecolor("face")  # no light seams between the scale's bands in a viewer
    inner = MaxNLocator(nbins=5, integer=True).tick_values(vmin, vmax)
    margin = (vmax - vmin) * 0.12  # an inner tick this close to an end would crowd its label
    ticks = sorted({vmin, vmax, *(t for t in inner if vmin + margin < t < vmax - margin)})
    bar.set_ticks(ticks)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.number(round(v))))
    bar.ax.tick_params(labelsize=8)
    bar.set_label("Antal fall (grått: dolt)", fontsize=8)


def share_bars(shares: pd.Series, xlabel: str = "Andel") -> Figure:
    """Horizontal bars of shares (0-1) with percent labels; NaN shares are marked "ej redovisat"."""
    n = len(shares)
    fig = _figure(max(1.8, 0.38 * n + 0.8))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    shown = shares.fillna(0).to_numpy(dtype=float)
    ax.barh(y, shown, height=0.7, color=PALETTE[2], edgecolor=TEXT_COLOUR, linewidth=0.4)
    for p, v in zip(y, shares.to_numpy(dtype=float), strict=True):
        label = "ej redovisat" if np.isnan(v) else fmt.percent(v, 0)
        ax.text((0 if np.isnan(v) else v) + 0.01, p, label, va="center", fontsize=8)
    ax.set_yticks(y, [_wrap(r) for r in shares.index])
    ax.set_xlim(0, 1.15)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.percent(v, 0)))
    ax.set_xlabel(xlabel)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)
    _apply_font(fig)
    return fig


def to_svg(fig: Figure) -> bytes:
    """The figure as SVG bytes (text as paths: identical glyphs in HTML and PDF).

    The same figure always gives the same bytes: no date, and the ids matplotlib gives
    clip paths and glyphs are derived from a fixed salt instead of a random one.
    """
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "samverkan"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def figure_html(fig: Figure | ChartOmitted, alt: str, caption: str) -> str:
    """``<figure>`` with the SVG as a data URI, its alt text and caption.

    A ``ChartOmitted`` becomes its sentence, in a paragraph.
    """
    if not alt.strip():
        raise ValueError("varje diagram behöver en alternativtext")
    if isinstance(fig, ChartOmitted):
        return f'<p class="chart-omitted">{html.escape(fig.text)}</p>'
    svg = base64.b64encode(to_svg(fig)).decode("ascii")
    return (
        '<figure class="chart">'
        f'<img src="data:image/svg+xml;base64,{svg}" alt="{html.escape(alt, quote=True)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def show(fig: Figure | ChartOmitted, alt: str, caption: str):
    """Embed a figure in the notebook output as SVG with alt text and caption; closes it."""
    from IPython.display import HTML

    try:
        return HTML(figure_html(fig, alt, caption))
    finally:
        close(fig)


def close(fig: Figure | ChartOmitted) -> None:
    """Release a figure (also when it was made through pyplot)."""
    if isinstance(fig, ChartOmitted):
        return
    pyplot = sys.modules.get("matplotlib.pyplot")  # only if someone already uses pyplot
    if pyplot is not None:
        pyplot.close(fig)
    fig.clear()
