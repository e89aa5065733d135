"""`beacon report`: the periodic review as a Markdown file and PNG charts in one folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.reviews import charts
from app.reviews.markdown import report_markdown
from app.reviews.metrics import Aggregate, IncidentMetrics

CHARTS = ("targets-by-tier.png", "response-times.png")


def write_report(
    out: Path,
    *,
    window: str,
    since: datetime,
    now: datetime,
    rows: list[IncidentMetrics],
    total: Aggregate,
    severities: list[Aggregate],
    tiers: list[Aggregate],
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    charts.targets_by_tier(tiers, out / CHARTS[0])
    charts.over_time(rows, out / CHARTS[1])
    text = report_markdown(window, since, now, rows, total, severities, tiers, list(CHARTS))
    report = out / "report.md"
    report.write_text(text, encoding="utf-8")
    return [report, *(out / name for name in CHARTS)]
