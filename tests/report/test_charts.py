"""Charts: SVG embedded with alt text, hidden counts never drawn as exact bars."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

from samverkan.privacy.disclosure import DisclosurePolicy, protect, protect_series
from samverkan.report import charts

POLICY = DisclosurePolicy(min_cell=3)


def _svg(html: str) -> str:
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    return base64.b64decode(data).decode("utf-8")


def test_figure_html_has_alt_caption_and_svg() -> None:
    pt = protect_series(pd.Series({"SIP": 12, "Rutiner": 5}, name="Fall"), POLICY, total=False)
    html = charts.figure_html(charts.cause_bars(pt), alt='Staplar "orsaker"', caption="Orsaker <x>")
    assert html.startswith('<figure class="chart"><img src="data:image/svg+xml;base64,')
    assert 'alt="Staplar &quot;orsaker&quot;"' in html
    assert "<figcaption>Orsaker &lt;x&gt;</figcaption>" in html
    assert _svg(html).lstrip().startswith("<?xml")


def test_alt_text_is_required() -> None:
    pt = protect_series(pd.Series({"SIP": 12}, name="Fall"), POLICY, total=False)
    with pytest.raises(ValueError):
        charts.figure_html(charts.cause_bars(pt), alt=" ", caption="x")


def _bar_widths(fig) -> list[float]:
    ax = fig.axes[0]
    return [round(p.get_width(), 6) for p in ax.patches]


def test_hidden_counts_are_not_drawn() -> None:
    pt = protect_series(
        pd.Series({"SIP": 12, "Rutiner": 2, "Bemötande": 0}, name="Fall"), POLICY, total=False
    )
    fig = charts.cause_bars(pt)
    assert _bar_widths(fig) == [12.0, 0.0, 0.0]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["12", "<3", "0"]


def test_grouped_bars_hide_secondary_cells_too() -> None:
    table = pd.DataFrame(
        {"Kommun till region": [1, 5, 7], "Region till kommun": [4, 6, 8]},
        index=["Svedala kommun", "Vellinge kommun", "Trelleborgs kommun"],
    )
    pt = protect(table, POLICY)
    fig = charts.grouped_bars(pt)
    widths = _bar_widths(fig)
    hidden = pt.suppressed.loc[table.index, table.columns]
    n_hidden = int(hidden.to_numpy().sum())
    assert widths.count(0.0) == n_hidden
    shown_values = sorted(int(v) for v in table.to_numpy()[~hidden.to_numpy()])
    assert sorted(int(w) for w in widths if w) == shown_values
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "<3" in labels and "x" in labels


def test_trend_leaves_small_points_out() -> None:
    trend = pd.DataFrame(
        {"SIP": [5, 2, 7], "Rutiner": [4, 4, 4]}, index=["2024HT", "2025VT", "2025HT"]
    )
    fig = charts.cause_trend_lines(trend, POLICY)
    line = fig.axes[0].lines[0]
    y = list(line.get_ydata())
    assert y[0] == 5 and pd.isna(y[1]) and y[2] == 7
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "HT 2024",
        "VT 2025",
        "HT 2025",
    ]


def test_heatmap_and_share_bars_render() -> None:
    matrix = pd.DataFrame([[5, 1], [0, 9]], index=["BUP", "Socialtjänst"], columns=["BUP", "VC"])
    html = charts.figure_html(charts.party_heatmap(protect(matrix, POLICY)), "Värmekarta", "Parter")
    assert "<figure" in html
    shares = pd.Series({"A": 0.5, "B": float("nan")})
    fig = charts.share_bars(shares)
    assert [t.get_text() for t in fig.axes[0].texts] == ["50\u00a0%", "ej redovisat"]


def test_show_returns_html_and_clears_the_figure() -> None:
    pt = protect_series(pd.Series({"SIP": 12}, name="Fall"), POLICY, total=False)
    fig = charts.cause_bars(pt)
    shown = charts.show(fig, "Alt", "Bildtext")
    assert "<figcaption>Bildtext</figcaption>" in shown.data
    assert not fig.axes


def test_stacked_bars_draw_hidden_cells_only_as_one_grey_remainder() -> None:
    table = pd.DataFrame(
        {"Kommun till region": [1, 5, 7], "Region till kommun": [4, 6, 8]},
        index=["Svedala kommun", "Vellinge kommun", "Trelleborgs kommun"],
    )
    pt = protect(table, POLICY)
    fig = charts.organisation_direction_bars(pt)
    ax = fig.axes[0]
    hidden = pt.suppressed.loc[table.index, table.columns].to_numpy()
    # one patch per row and column, then one grey remainder per row
    coloured = [round(p.get_width()) for p in ax.patches[: table.size]]
    expected = [
        0 if h else int(v)
        for v, h in zip(table.T.to_numpy().ravel(), hidden.T.ravel(), strict=True)
    ]
    assert coloured == expected
    remainder = [round(p.get_width()) for p in ax.patches[table.size :]]
    shown_totals = pt.values.loc[table.index, "Totalt"]
    assert sum(remainder) == int((shown_totals - table.where(~hidden, 0).sum(axis=1)).sum())
    # every bar ends at the organisation's shown total
    labels = [t.get_text() for t in ax.texts]
    assert labels == [str(v) for v in shown_totals]


def test_stacked_bars_legend_names_the_threshold_in_use() -> None:
    table = pd.DataFrame(
        {"Kommun till region": [2, 9, 7], "Region till kommun": [6, 6, 8]},
        index=["Svedala kommun", "Vellinge kommun", "Trelleborgs kommun"],
    )
    fig = charts.organisation_direction_bars(protect(table, DisclosurePolicy(min_cell=5)))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Dolt (<5 eller x)" in legend


def test_the_same_chart_gives_the_same_svg_bytes() -> None:
    pt = protect_series(pd.Series({"SIP": 12, "Rutiner": 5}, name="Fall"), POLICY, total=False)
    first = charts.to_svg(charts.cause_bars(pt))
    second = charts.to_svg(charts.cause_bars(pt))
    assert first == second
    assert b"clip-path" in first  # the ids that used to be random are there, and equal


def _colour_bar_labels(fig) -> list[str]:
    bar_ax = fig.axes[1]  # matplotlib adds the colour bar as a second axes
    return [t.get_text() for t in bar_ax.get_yticklabels()]


def test_heatmap_scale_runs_from_the_smallest_to_the_largest_shown_count() -> None:
    matrix = pd.DataFrame(
        [[5, 1, 12], [0, 9, 7], [4, 2, 30]],
        index=["BUP", "Socialtjänst", "VC"],
        columns=["BUP", "Socialtjänst", "VC"],
    )
    pt = protect(matrix, POLICY, row_totals=False, col_totals=False)
    shown = matrix.to_numpy()[~pt.suppressed.to_numpy()]
    fig = charts.party_heatmap(pt)
    mesh = fig.axes[0].collections[0]
    assert mesh.norm.vmin == shown.min() and mesh.norm.vmax == shown.max()
    labels = _colour_bar_labels(fig)
    assert labels[0] == str(shown.min()) and labels[-1] == str(shown.max())
    assert "−0" not in labels and len(set(labels)) == len(labels)
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == int(pt.suppressed.to_numpy().sum()) > 0
    svg = charts.to_svg(fig).decode("utf-8")
    assert "<image" not in svg, "no raster image inside the chart (vector only)"


def test_heatmap_whose_cells_are_all_hidden_becomes_a_sentence() -> None:
    matrix = pd.DataFrame([[1, 2], [2, 1]], index=["BUP", "VC"], columns=["BUP", "VC"])
    chart = charts.party_heatmap(protect(matrix, POLICY, row_totals=False, col_totals=False))
    assert isinstance(chart, charts.ChartOmitted)
    html = charts.show(chart, "Värmekarta", "Parter").data
    assert html.startswith('<p class="chart-omitted">') and "<img" not in html
    assert "döljer alla" in html


def test_labels_are_wrapped_between_words_only() -> None:
    label = "Vuxenhabilitering och Barn- och ungdomshabiliteringen"
    wrapped = charts._wrap(label, 12)
    assert wrapped.split("\n")[0] == "Vuxenhabilitering"
    assert wrapped.replace("\n", " ") == label
    matrix = pd.DataFrame([[5, 4], [6, 9]], index=["Vuxenhabilitering", "VC"], columns=["A", "B"])
    fig = charts.party_heatmap(protect(matrix, POLICY, row_totals=False, col_totals=False))
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Vuxenhabilitering" in ticks
