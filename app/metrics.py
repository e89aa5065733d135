"""Prometheus metrics, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SLACK_API_ERRORS = Counter(
    "beacon_slack_api_errors_total", "Slack Web API calls that failed", ["method", "error"]
)
OUTBOX_BACKLOG = Gauge("beacon_outbox_backlog", "Slack side effects waiting to be delivered")
OPEN_INCIDENTS = Gauge("beacon_open_incidents", "Open incidents by severity", ["severity"])
INCIDENTS_DECLARED = Counter("beacon_incidents_declared_total", "Incidents declared", ["severity"])
OVERDUE_UPDATES = Gauge(
    "beacon_updates_overdue", "Open incidents whose next status update is past due"
)
SIGNALS = Counter(
    "beacon_signals", "Signals received, by source and what became of them", ["source", "outcome"]
)
SIGNALS_TRIAGE_BACKLOG = Gauge(
    "beacon_signals_triage_backlog", "Triage cards waiting for a person or a pattern"
)

METRICS_WINDOW_DAYS = 30
"""Response-time families at /metrics cover incidents declared in this many last days."""
ACK_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 14400.0)
RESOLVE_BUCKETS = (900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0, 259200.0)
