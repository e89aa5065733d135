"""PNG charts for the periodic report, drawn with matplotlib's Agg backend (no display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import dates  # noqa: E402

from app.reviews.metrics import Aggregate, IncidentMetrics  # noqa: E402


def _percent(met: int, total: int) -> float:
    return 100.0 * met / total if total else 0.0


def targets_by_tier(tiers: list[Aggregate], path: Path) -> None:
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
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)


def over_time(rows: list[IncidentMetrics], path: Path) -> None:
    ordered = sorted(rows, key=lambda r: r.declared_at)
    figure, axes = plt.subplots(figsize=(8, 4.5))
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
    axes.xaxis_date()
    axes.set_ylabel("minutes")
    axes.set_title("Time to acknowledge and to resolve, by declaration date")
    if ordered:
        axes.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
