"""PNG charts for the periodic report, drawn with matplotlib's Agg backend (no display).

Legends sit below the plot, never over the bars or points they explain, and the time axis
spans at least a day either side of its points, so a report with one incident shows a date,
not a row of sub-second ticks.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import dates  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from app.reviews.metrics import Aggregate, IncidentMetrics  # noqa: E402

MIN_SPAN = timedelta(days=1)
"""Padding either side of the first and last point of the time axis."""


def _percent(met: int, total: int) -> float:
    return 100.0 * met / total if total else 0.0


def _legend_below(axes: Axes, columns: int) -> None:
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=columns, frameon=False)


def targets_figure(tiers: list[Aggregate]) -> Figure:
    labels = [row.label for row in tiers] or ["none"]
    series = {
        "acknowledged in time": [_percent(r.ack_met, r.ack_total) for r in tiers] or [0.0],
        "first update in time": [_percent(r.first_update_met, r.first_update_total) for r in tiers]
        or [0.0],
        "updates on time": [_percent(r.updates_on_time, r.updates_due) for r in tiers] or [0.0],
    }
    figure, axes = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series.items()):
        positions = [x + index * width for x in range(len(labels))]
        axes.bar(positions, values, width=width, label=name)
    axes.set_xticks([x + width for x in range(len(labels))], labels)
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of incidents meeting the target")
    axes.set_title("Response targets met, by account tier")
    _legend_below(axes, len(series))
    figure.tight_layout()
    return figure


def times_figure(rows: list[IncidentMetrics]) -> Figure:
    ordered = sorted(rows, key=lambda r: r.declared_at)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    plotted = 0
    for name, values in (
        ("time to acknowledge", [r.time_to_ack for r in ordered]),
        ("time to resolve", [r.time_to_resolve for r in ordered]),
    ):
        points = [
            (r.declared_at, v.total_seconds() / 60)
            for r, v in zip(ordered, values, strict=True)
            if v is not None
        ]
        if points:
            moments = dates.date2num([p[0] for p in points])  # type: ignore[no-untyped-call]
            axes.plot(moments, [p[1] for p in points], marker="o", label=name)
            plotted += 1
    if ordered:
        start, end = ordered[0].declared_at - MIN_SPAN, ordered[-1].declared_at + MIN_SPAN
        axes.set_xlim(dates.date2num(start), dates.date2num(end))  # type: ignore[no-untyped-call]
    locator = dates.AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.set_ylim(bottom=0)
    axes.set_ylabel("minutes")
    axes.set_title("Time to acknowledge and to resolve, by declaration date")
    if plotted:
        _legend_below(axes, plotted)
    figure.tight_layout()
    return figure


def _save(figure: Figure, path: Path) -> None:
    figure.savefig(path, format="png")
    plt.close(figure)


def targets_by_tier(tiers: list[Aggregate], path: Path) -> None:
    _save(targets_figure(tiers), path)


def over_time(rows: list[IncidentMetrics], path: Path) -> None:
    _save(times_figure(rows), path)
