"""Charts rendered on the server as SVG (pygal), shown as ``<img>`` next to their data table.

Each chart is embedded as a ``data:`` URI: the page and its charts come from one request and
one set of queries (no second round of aggregates per chart, one round trip on a weak
connection), and an SVG shown as an image can run no script and load nothing (the page's CSP
allows ``img-src data:``). pygal's own tooltip script is stripped anyway, as in
``lms.assessment.skills.chart_svg``.
"""
from __future__ import annotations

import base64
import re
from typing import Sequence

COLOURS = ("#0b5cad", "#17673a", "#a15c00", "#7a2e8e")


def _style():
    from pygal.style import Style

    return Style(background="white", plot_background="white", foreground="#1b1f24", foreground_strong="#1b1f24",
                 foreground_subtle="#d5dbe1", colors=COLOURS, font_family="system-ui, sans-serif",
                 label_font_size=13, major_label_font_size=13, title_font_size=16, legend_font_size=13,
                 value_font_size=11, tooltip_font_size=12)


def _data_uri(chart) -> str:
    svg = re.sub(r"<script\b[^>]*>.*?</script>", "", chart.render(is_unicode=True), flags=re.S)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


WIDTH = 440  # about the width it is shown at beside its table, so the text stays legible


def _short(label: str, n: int) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= n else label[: n - 1] + "…"


def _common(**kw):
    return dict(js=[], disable_xml_declaration=True, style=_style(), width=WIDTH, legend_at_bottom=True,
                print_values=False, show_minor_x_labels=True, truncate_label=-1, truncate_legend=-1, **kw)


def bars(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
         horizontal: bool = False, percent: bool = False, value_range: tuple[float, float] | None = None) -> str:
    """A (horizontal) bar chart of one or more series over ``labels``."""
    import pygal

    n = max(1, len(labels))
    if horizontal:
        chart = pygal.HorizontalBar(**_common(height=110 + (16 + 8 * len(series)) * n, title=title,
                                              show_legend=len(series) > 1))
        # pygal draws the first bar at the bottom; readers expect the first step at the top.
        labels = [_short(label, 24) for label in reversed(labels)]
        series = [(name, list(reversed(values))) for name, values in series]
    else:
        chart = pygal.Bar(**_common(height=380, title=title, x_label_rotation=45 if n > 6 else 0,
                                    show_legend=len(series) > 1))
        labels = [_short(label, 16) for label in labels]
    if percent:
        chart.value_formatter = lambda v: f"{v:.0f} %"
        chart.y_labels = [0, 25, 50, 75, 100]  # few ticks: the axis beside long labels is narrow
    if value_range:
        chart.range = value_range
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, [None if v is None else v for v in values])
    return _data_uri(chart)


def lines(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]) -> str:
    """Counts per month as lines (one per series), for a trend over time."""
    import pygal

    n = max(1, len(labels))
    chart = pygal.Line(**_common(height=380, title=title, x_label_rotation=45 if n > 8 else 0, show_dots=n <= 36,
                                 show_legend=len(series) > 1))
    chart.x_labels = list(labels)
    if n > 24:  # label every third month, so the axis stays readable
        chart.x_labels_major = list(labels)[::3]
        chart.show_minor_x_labels = False
    for name, values in series:
        chart.add(name, list(values))
    return _data_uri(chart)
