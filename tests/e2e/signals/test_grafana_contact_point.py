"""Grafana's webhook contact point, pointed at `/signals/alertmanager` as the README shows: its
body is Alertmanager's with Grafana's own fields and `"version": "1"` (SPEC 5.8)."""

from __future__ import annotations

from tests.e2e.signals.conftest import send
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

GRAFANA = {
    "receiver": "beacon",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "SearchLatency", "service": "search", "grafana_folder": "Shop"},
            "annotations": {"summary": "Search p95 above 2s"},
            "startsAt": "2026-12-03T03:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.com/alerting/grafana/abc/view",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://grafana.example.com/alerting/silence/new",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 2.4, "C": 1},
        }
    ],
    "groupLabels": {"alertname": "SearchLatency"},
    "commonLabels": {"alertname": "SearchLatency", "service": "search"},
    "commonAnnotations": {"summary": "Search p95 above 2s"},
    "externalURL": "https://grafana.example.com/",
    "version": "1",
    "groupKey": '{}:{alertname="SearchLatency"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] SearchLatency Shop",
    "state": "alerting",
    "message": "**Firing**\n\nValue: B=2.4, C=1",
}


def test_grafana_contact_point_body_makes_a_triage_card(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    answer = send(beacon, GRAFANA)
    assert answer.status_code == 202, answer.text
    assert answer.json()["accepted"] == 1 and len(answer.json()["triage"]) == 1
    card = eventually(lambda: [str(m.blocks) for m in slack.messages("alerts")])
    assert "Search p95 above 2s" in card[0] and "Product search" in card[0]
