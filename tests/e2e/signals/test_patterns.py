"""Patterns declare without a person and say which (SPEC 5.8): repeats, sustained (a durable
timer that survives a restart), customer_reports; two processes make one card and one incident."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.store.models import Incident, IncidentEvent
from app.store.signal_models import TriageCard
from tests.e2e.signals.conftest import TOKEN, alert, send, webhook
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon, eventually


def _reasons(app: RunningBeacon) -> list[str]:
    with app.beacon.uow() as session:
        statement = select(IncidentEvent.text).where(IncidentEvent.kind == "signal_declared")
        return list(session.scalars(statement))


def _count(app: RunningBeacon, model: type) -> int:
    with app.beacon.uow() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_repeats_declares_a_flapping_alert(beacon: RunningBeacon) -> None:
    for _ in range(2):
        assert send(beacon, webhook(alert("f1", service="search"))).json()["incidents"] == []
        send(beacon, webhook(alert("f1", "resolved", service="search")))
        send(beacon, webhook(alert("f1", "resolved", service="search")))  # a duplicate
    third = send(beacon, webhook(alert("f1", service="search")))
    assert third.json()["incidents"] == ["INC-1"]
    assert _reasons(beacon) == [
        "Declared by Beacon from signals: repeats: fired 3 times within 30m"
    ]


def test_customer_reports_from_two_accounts(beacon: RunningBeacon, slack: FakeSlack) -> None:
    first = beacon.command("report acme Checkout fails for EU cards services: checkout")
    assert first.status_code == 200
    eventually(lambda: "Acme Corp (Tier 1, liaison <@U0CS1>)" in str(slack.messages("alerts")))
    assert _count(beacon, Incident) == 0
    beacon.command("report globex Checkout fails too services: checkout", user="U0RESP2")
    (reason,) = eventually(lambda: _reasons(beacon), timeout=20)
    assert _count(beacon, Incident) == 1
    assert "customer_reports: 2 accounts reported it within 30m (acme, globex)" in reason


def test_sustained_survives_a_restart(
    database_url: str, slack: FakeSlack, signals_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEACON_SIGNALS_TOKEN", TOKEN)
    clock = FakeClock()
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=signals_config, clock=clock
    ) as first:
        assert send(first, webhook(alert("s1", service="search"))).status_code == 202
    clock.advance(timedelta(minutes=16))
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=signals_config, clock=clock
    ) as second:
        eventually(lambda: _reasons(second), timeout=20)
        assert _count(second, Incident) == 1
        assert _reasons(second) == [
            "Declared by Beacon from signals: sustained: still firing 15m after its card appeared"
        ]


def test_two_processes_make_one_card_and_one_incident(
    database_url: str, slack: FakeSlack, signals_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEACON_SIGNALS_TOKEN", TOKEN)
    with (
        RunningBeacon(database_url=database_url, slack=slack, config_dir=signals_config) as one,
        RunningBeacon(database_url=database_url, slack=slack, config_dir=signals_config) as two,
    ):

        def storm(app: RunningBeacon, offset: int) -> None:
            for n in range(10):
                send(app, webhook(alert(f"x{(n + offset) % 10}", service="payments")))
                send(app, webhook(alert(f"k{n % 3}", service="checkout", alertname="CheckoutDown")))

        threads = [
            threading.Thread(target=storm, args=(app, i * 5)) for i, app in enumerate((one, two))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert _count(one, TriageCard) == 1
        assert _count(one, Incident) == 1
