"""The attendance chart: one horizontal bar per bridge point, its rate against a target.

Needs the ``report`` extra (``pip install 'meetlink[report]'``: matplotlib). The figure is
drawn on matplotlib's Agg canvas directly (no pyplot, no global state, no display), with
Vietnamese labels. Its height grows with the number of points so 50 or 150 stay readable;
past ``max_points`` only the lowest rates (points that sent nothing first) are drawn, and
the title says so. Rates over all sittings of a point are combined. A recurring meeting's
chart has, above the points, a bar per held occurrence (the months of the year).

Example:
    >>> draw_attendance_chart(report, "ty-le-co-mat.png", target=0.9)  # doctest: +SKIP
    PosixPath('ty-le-co-mat.png')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from meetlink.errors import MeetlinkError
from meetlink.report.models import Report, Totals

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter

__all__ = ["ChartBar", "attendance_figure", "chart_bars", "draw_attendance_chart", "month_bars"]

_BAR_INCHES = 0.3
_MARGIN_INCHES = 1.8
_WIDTH_INCHES = 11.0
_DPI = 100
_MONTHS_INCHES = 3.0
_GOOD, _LOW, _OVER, _NONE, _TARGET = "#2e7d32", "#c62828", "#f9a825", "#9e9e9e", "#1565c0"


@dataclass(frozen=True, slots=True)
class ChartBar:
    """One bar: the point's name and its rate (None: no roll call)."""

    label: str
    rate: float | None
    present: int
    expected: int


def chart_bars(report: Report, *, max_points: int = 200) -> tuple[list[ChartBar], int]:
    """The bars to draw, top to bottom, and how many points there are in all.

    >>> bars, total = chart_bars(report)   # doctest: +SKIP
    >>> bars[0].label                      # doctest: +SKIP
    'Thị ủy Mỹ Hào'
    """
    totals: list[Totals] = report.point_totals()
    bars = [ChartBar(t.label, t.rate, t.present, t.expected_reported) for t in totals]
    if len(bars) > max_points:
        keep = sorted(
            range(len(bars)), key=lambda i: (bars[i].rate is not None, bars[i].rate or 0.0)
        )
        chosen = sorted(keep[:max_points])
        bars = [bars[i] for i in chosen]
    return bars, len(totals)


def month_bars(report: Report) -> list[ChartBar]:
    """A recurring meeting's bars over the months: one per held occurrence, labelled with
    its day, its rate over the points that reported (none for a meeting held once).

    >>> [b.label for b in month_bars(report)][:2]  # doctest: +SKIP
    ['7/1/2024', '3/3/2024']
    """
    out = []
    for sitting in report.sittings:
        start = sitting.sitting.start
        if sitting.occurrence is None or start is None:
            continue
        t = sitting.totals
        label = f"{start.day}/{start.month}/{start.year}"
        out.append(ChartBar(label, t.rate, t.present, t.expected_reported))
    return out


def attendance_figure(report: Report, *, target: float = 0.9, max_points: int = 200) -> Figure:
    """The chart as a matplotlib ``Figure`` on an Agg canvas (not saved).

    >>> figure = attendance_figure(report)                             # doctest: +SKIP
    >>> [t.get_text() for t in figure.axes[0].get_yticklabels()][:1]   # doctest: +SKIP
    ['Thị ủy Mỹ Hào']
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
    except ImportError:
        raise MeetlinkError(
            "drawing the attendance chart needs matplotlib: run `pip install 'meetlink[report]'`."
        ) from None
    bars, total = chart_bars(report, max_points=max_points)
    height = max(3.5, _MARGIN_INCHES + _BAR_INCHES * len(bars))
    months = month_bars(report)
    above = _MONTHS_INCHES if months else 0.0
    figure = Figure(figsize=(_WIDTH_INCHES, height + above), dpi=_DPI)
    FigureCanvasAgg(figure)
    if months:  # a recurring meeting: the months above, the points over the year below
        grid = figure.add_gridspec(2, 1, height_ratios=[above, height])
        _draw_months(figure.add_subplot(grid[0]), months, target, report.title)
        axes = figure.add_subplot(grid[1])
    else:
        axes = figure.add_subplot()
    rates = [b.rate or 0.0 for b in bars]
    colors = [_color(b.rate, target) for b in bars]
    positions = list(range(len(bars)))
    axes.barh(positions, rates, color=colors, height=0.7)
    axes.set_yticks(positions, [b.label for b in bars], fontsize=9)
    for tick, bar in zip(axes.get_yticklabels(), bars, strict=True):
        if bar.rate is None:
            tick.set_color(_NONE)
    axes.set_ylim(len(bars) - 0.5, -0.5)  # the plan's order, top to bottom, no empty margin
    axes.set_xlim(0, max([1.1, *(r + 0.3 for r in rates)]))
    axes.xaxis.set_major_formatter(_percent_formatter())
    for y, bar in zip(positions, bars, strict=True):
        text = (
            "chưa báo cáo"
            if bar.rate is None
            else f"{_vi_percent(bar.rate)} ({bar.present}/{bar.expected})"
        )
        axes.text(
            (bar.rate or 0.0) + 0.01,
            y,
            text,
            va="center",
            fontsize=8,
            color="#333333",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5},
        )
    axes.axvline(
        target,
        color=_TARGET,
        linestyle="--",
        linewidth=1.5,
        label=f"Mục tiêu {_vi_percent(target, 0)}",
    )
    axes.set_xlabel("Tỷ lệ có mặt (số có mặt / số triệu tập)")
    shown = f" — {len(bars)} điểm cầu có tỷ lệ thấp nhất / {total}" if len(bars) < total else ""
    shown = f", cả {len(months)} lần họp{shown}" if months else shown
    title = "" if months else f"{report.title}\n"
    axes.set_title(f"{title}Tỷ lệ có mặt theo điểm cầu{shown}", fontsize=11, pad=24)
    handles = [
        Patch(color=_GOOD, label="Đạt mục tiêu"),
        Patch(color=_LOW, label="Dưới mục tiêu"),
        Patch(color=_OVER, label="Vượt số triệu tập"),
        *axes.get_legend_handles_labels()[0],
    ]
    # above the bars, under the title: never over a bar or its figure
    axes.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=len(handles),
        fontsize=9,
        frameon=False,
    )
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def draw_attendance_chart(
    report: Report, path: str | Path, *, target: float = 0.9, max_points: int = 200
) -> Path:
    """Draw the chart to a PNG file and return its path."""
    path = Path(path)
    figure = attendance_figure(report, target=target, max_points=max_points)
    figure.savefig(path, format="png")
    return path


def _draw_months(axes: Axes, months: list[ChartBar], target: float, title: str) -> None:
    """One vertical bar per held occurrence, its rate over the points that reported."""
    axes.set_title(f"{title}\nTỷ lệ có mặt theo lần họp", fontsize=11)
    positions = list(range(len(months)))
    rates = [b.rate or 0.0 for b in months]
    axes.bar(positions, rates, color=[_color(b.rate, target) for b in months], width=0.7)
    axes.set_xticks(positions, [b.label for b in months], fontsize=9)
    axes.set_ylim(0, max([1.1, *(r + 0.15 for r in rates)]))
    axes.yaxis.set_major_formatter(_percent_formatter())
    for x, bar in zip(positions, months, strict=True):
        text = "chưa\nbáo cáo" if bar.rate is None else _vi_percent(bar.rate)
        axes.text(
            x, (bar.rate or 0.0) + 0.02, text, ha="center", va="bottom", fontsize=8, color="#333333"
        )
    axes.axhline(target, color=_TARGET, linestyle="--", linewidth=1.5)
    axes.set_ylabel("Tỷ lệ có mặt")
    axes.grid(axis="y", alpha=0.3)


def _color(rate: float | None, target: float) -> str:
    if rate is None:
        return _NONE
    if rate > 1:
        return _OVER
    return _GOOD if rate >= target else _LOW


def _percent_formatter() -> Formatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: _vi_percent(value, 0))


def _vi_percent(rate: float, digits: int = 1) -> str:
    return f"{rate * 100:.{digits}f}%".replace(".", ",")
