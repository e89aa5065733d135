"""Response-time families for /metrics, computed at scrape time from stored incidents (the same
figures as `/incident stats`), so every web process reports the same values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from app.metrics import ACK_BUCKETS, RESOLVE_BUCKETS
from app.reviews.metrics import IncidentMetrics, by_severity, by_tier


def _histogram(
    name: str,
    doc: str,
    rows: list[IncidentMetrics],
    value: Callable[[IncidentMetrics], timedelta | None],
    buckets: Iterable[float],
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=["severity"])
    by: dict[str, list[float]] = {}
    for row in rows:
        if (span := value(row)) is not None:
            by.setdefault(row.severity, []).append(span.total_seconds())
    for severity, seconds in sorted(by.items()):
        cumulative = [(str(b), float(sum(1 for s in seconds if s <= b))) for b in buckets]
        family.add_metric(
            [severity], [*cumulative, ("+Inf", float(len(seconds)))], sum_value=sum(seconds)
        )
    return family


class ResponseCollector(Collector):
    def __init__(self, rows: list[IncidentMetrics], severities: list[str]) -> None:
        self.rows = rows
        self.severities = severities

    def collect(self) -> Iterator[Metric]:
        yield _histogram(
            "beacon_time_to_acknowledge_seconds",
            "Declaration to first responder acknowledgement, incidents of the last 30 days",
            self.rows,
            lambda r: r.time_to_ack,
            ACK_BUCKETS,
        )
        yield _histogram(
            "beacon_time_to_resolve_seconds",
            "Declaration to resolution, incidents of the last 30 days",
            self.rows,
            lambda r: r.time_to_resolve,
            RESOLVE_BUCKETS,
        )
        targets = GaugeMetricFamily(
            "beacon_response_targets",
            "Response targets met, missed or pending (not yet due), last 30 days, by severity"
            " and by account tier",
            labels=["target", "group", "outcome"],
        )
        groups = [*by_severity(self.rows, self.severities), *by_tier(self.rows)]
        for group in groups:
            for target, met, total, pending in (
                ("acknowledge", group.ack_met, group.ack_total, group.ack_pending),
                (
                    "first_update",
                    group.first_update_met,
                    group.first_update_total,
                    group.first_update_pending,
                ),
                ("update_on_time", group.updates_on_time, group.updates_due, group.updates_pending),
            ):
                targets.add_metric([target, group.label, "met"], met)
                targets.add_metric([target, group.label, "missed"], total - met)
                targets.add_metric([target, group.label, "pending"], pending)
        yield targets


def render(rows: list[IncidentMetrics], severities: list[str]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ResponseCollector(rows, severities))
    return generate_latest(registry)
