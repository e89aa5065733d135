"""Prometheus metrics, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SLACK_API_ERRORS = Counter(
    "beacon_slack_api_errors_total", "Slack Web API calls that failed", ["method", "error"]
)
OUTBOX_BACKLOG = Gauge("beacon_outbox_backlog", "Slack side effects waiting to be delivered")
OPEN_INCIDENTS = Gauge("beacon_open_incidents", "Open incidents by severity", ["severity"])
INCIDENTS_DECLARED = Counter("beacon_incidents_declared_total", "Incidents declared", ["severity"])
