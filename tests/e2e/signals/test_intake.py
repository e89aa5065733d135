"""Signals over HTTP (SPEC 5.8): tokens, bad bodies, rules, de-duplication, grouping, attach."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from app.store.models import Incident
from app.store.signal_models import SignalRecord
from tests.e2e.signals.conftest import alert, declared_reasons, send, webhook
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _cards(slack: FakeSlack) -> list[str]:
    return [str(m.blocks) for m in slack.messages("alerts")]


def test_wrong_token_and_bad_bodies_are_refused_and_record_nothing(beacon: RunningBeacon) -> None:
    body = webhook(alert("a1", service="payments"))
    assert send(beacon, body, token="wrong").status_code == 401
    assert beacon.http.post("/signals/alertmanager", json=body).status_code == 401
    bad = send(beacon, {"alerts": "nope"})
    assert bad.status_code == 400 and "`alerts` must be a list" in bad.json()["error"]
    missing = send(beacon, {"source": "x", "id": "1", "status": "up"}, path="/signals")
    assert missing.status_code == 400 and "`service`" in missing.json()["error"]
    garbage = beacon.http.post(
        "/signals", content=b"{nope", headers={"Authorization": "Bearer s3cret-signals-token"}
    )
    assert garbage.status_code == 400
    accepted = send(beacon, body)
    assert accepted.status_code == 202 and accepted.json()["accepted"] == 1


def test_triage_card_dedupe_and_dependency_grouping(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    first = send(beacon, webhook(alert("p1", service="payments", severity="critical")))
    assert first.status_code == 202
    assert first.json()["incidents"] == [] and len(first.json()["triage"]) == 1
    for _ in range(3):
        send(beacon, webhook(alert("p1", service="payments", severity="critical")))
    dependent = send(beacon, webhook(alert("c1", service="checkout")))
    assert dependent.json()["triage"] == first.json()["triage"]
    try:
        eventually(
            lambda: "×4" in "".join(_cards(slack)) and "checkout" in "".join(_cards(slack)),
            timeout=30,
        )
    except AssertionError:
        print(
            "CARDS",
            _cards(slack),
            slack.calls_to("chat.update"),
            slack.calls_to("chat.postMessage"),
        )
        raise
    cards = _cards(slack)
    assert len(cards) == 1
    assert "Payments" in cards[0] and "Acme Corp" in cards[0] and "Declare" in cards[0]
    assert "<https://prom.example.com/graph?g0.expr=up&amp;g0.tab=1|source>" in cards[0]
    assert cards[0].index("payments") < cards[0].index("checkout")


def test_ignore_and_auto(beacon: RunningBeacon, slack: FakeSlack) -> None:
    ignored = send(beacon, webhook(alert("s1", service="search", env="staging")))
    assert ignored.json() == {"accepted": 1, "incidents": [], "triage": []}
    auto = send(beacon, webhook(alert("k1", service="checkout", alertname="CheckoutDown")))
    assert auto.json()["incidents"] == ["INC-1"]
    assert declared_reasons(beacon) == [
        "Declared by Beacon from signals: rule 1 (alertname=CheckoutDown) declares at once: "
        "CheckoutDown on checkout"
    ]
    again = send(beacon, webhook(alert("k2", service="checkout", alertname="Other")))
    assert again.json()["incidents"] == ["INC-1"] and again.json()["triage"] == []
    resolved = send(beacon, webhook(alert("k2", "resolved", service="checkout")))
    assert resolved.json()["incidents"] == ["INC-1"]
    send(beacon, webhook(alert("k2", "resolved", service="checkout")))

    def lines() -> list[str]:
        channels = [c for c in slack.channels.values() if c.name.startswith("inc-1-")]
        return [m.text for c in channels for m in slack.messages(c.id) if "Signal " in m.text]

    eventually(lambda: len(lines()) == 2)
    assert "firing" in lines()[0] and "resolved" in lines()[1]


def test_beacon_json_and_unknown_service(beacon: RunningBeacon, slack: FakeSlack) -> None:
    body = {
        "source": "pingdom",
        "id": "77",
        "status": "firing",
        "service": "chekout",
        "summary": "Checkout probe failing",
    }
    response = send(beacon, body, path="/signals")
    assert response.status_code == 202 and len(response.json()["triage"]) == 1
    eventually(lambda: "Did you mean" in "".join(_cards(slack)))


def test_metrics_count_signals_and_the_triage_backlog(beacon: RunningBeacon) -> None:
    send(beacon, webhook(alert("m1", service="search"), alert("m1", service="search")))
    send(beacon, webhook(alert("m2", service="search", env="staging")))
    text = beacon.http.get("/metrics").text
    assert 'beacon_signals_total{outcome="triage",source="alertmanager"}' in text
    assert 'beacon_signals_total{outcome="duplicate",source="alertmanager"}' in text
    assert 'beacon_signals_total{outcome="ignored",source="alertmanager"}' in text
    assert "beacon_signals_triage_backlog 1.0" in text


def test_hostile_bodies_get_a_4xx(beacon: RunningBeacon) -> None:
    long_id = {"source": "x", "id": "9" * 5000, "status": "firing", "service": "a", "summary": "s"}
    response = send(beacon, long_id, path="/signals")
    assert response.status_code == 400 and "`id` is longer" in response.json()["error"]
    huge = send(beacon, {"alerts": [], "pad": "x" * (600 * 1024)})
    assert huge.status_code == 413
    labels = send(beacon, webhook({"status": "firing", "labels": {"service": ["a"]}}))
    assert labels.status_code == 400 and "alerts[0]" in labels.json()["error"]
    assert send(beacon, [], path="/signals").status_code == 400
    assert send(beacon, webhook(), path="/signals/alertmanager").json()["accepted"] == 0


def test_firing_again_after_the_incident_resolved_is_triaged_afresh(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    assert send(beacon, webhook(alert("k1", service="checkout", alertname="CheckoutDown"))).json()[
        "incidents"
    ] == ["INC-1"]
    send(beacon, webhook(alert("k1", "resolved", service="checkout", alertname="CheckoutDown")))
    eventually(lambda: slack.calls_to("conversations.create"))
    with beacon.beacon.uow() as session:
        commander = session.scalars(select(Incident.commander)).one()
    beacon.command(
        "INC-1 resolve fix: rolled back residual_risk: none customer_steps: none", user=commander
    )

    def status() -> str:
        with beacon.beacon.uow() as session:
            return session.scalars(select(Incident.status)).one()

    eventually(lambda: status() == "resolved")
    again = send(beacon, webhook(alert("k1", service="checkout", alertname="CheckoutDown")))
    assert again.json()["incidents"] == ["INC-2"]


def test_grafana_webhook_body_is_read_like_alertmanagers(beacon: RunningBeacon) -> None:
    body = {
        "receiver": "beacon",
        "status": "firing",
        "orgId": 1,
        "version": "1",
        "title": "[FIRING:1] PaymentsLatency",
        "state": "alerting",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "PaymentsLatency", "service": "payments"},
                "annotations": {"summary": "p99 over 2s"},
                "fingerprint": "0f1e2d3c4b5a6978",
                "values": {"A": 2.4},
                "dashboardURL": "",
            }
        ],
    }
    response = send(beacon, body)
    assert response.status_code == 202 and len(response.json()["triage"]) == 1


def test_a_new_signal_stored_by_another_process_meanwhile_is_counted_once(
    beacon: RunningBeacon,
) -> None:
    """Alertmanager's HA pair sends each alert to both Beacons: the one that stores it second
    waits for the first, then counts it. One row, both deliveries counted, no 503."""
    now = datetime.now(UTC)
    answers: list[httpx.Response] = []
    with beacon.beacon.uow() as other:  # the other process, mid-intake
        other.add(
            SignalRecord(
                identity="alertmanager:race1",
                source="alertmanager",
                service="payments",
                status="firing",
                outcome="triage",
                first_at=now,
                last_at=now,
            )
        )
        other.flush()
        sender = threading.Thread(
            target=lambda: answers.append(send(beacon, webhook(alert("race1", service="payments"))))
        )
        sender.start()
        time.sleep(0.5)  # the request now waits for the other's row
        other.commit()
    sender.join()
    assert [a.status_code for a in answers] == [202]
    assert answers[0].json()["accepted"] == 1
    with beacon.beacon.uow() as session:
        rows = session.scalars(select(SignalRecord.received)).all()
    assert rows == [2]
