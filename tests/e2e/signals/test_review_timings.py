"""The review shows how long the first signal waited for people (SPEC 5.8): to the declaration
and to the first acknowledgement, read by an operator with `beacon review`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.routing.oncall import on_call_at
from app.slack.ids import PAGE_ACK
from tests.e2e.signals.conftest import TOKEN, alert, send, webhook
from tests.e2e.test_cli import beacon as run_beacon
from tests.e2e.test_paging import ack_button, dms
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon, eventually

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def beacon(
    database_url: str,
    slack: FakeSlack,
    signals_config: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningBeacon]:
    monkeypatch.setenv("BEACON_SIGNALS_TOKEN", TOKEN)
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=signals_config, clock=clock
    ) as app:
        yield app


def review(beacon: RunningBeacon, database_url: str, ref: str) -> str:
    env = {
        "DATABASE_URL": database_url,
        "BEACON_CONFIG_DIR": str(beacon.settings.beacon_config_dir),
    }
    result = run_beacon("review", ref, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def row(text: str, label: str) -> str:
    found = [line for line in text.splitlines() if line.startswith(f"| {label} |")]
    assert len(found) == 1, f"no single `{label}` row in:\n{text}"
    return found[0]


def test_a_flapping_alert_declared_by_the_pattern_then_acknowledged(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    flapping = alert("pay-5xx", service="payments", alertname="PaymentsErrors")
    assert send(beacon, webhook(flapping)).json()["incidents"] == []  # a triage card, 12:00
    for _ in range(2):  # resolved and firing again, twice: the third firing declares, 12:03
        clock.advance(timedelta(minutes=1))
        send(beacon, webhook({**flapping, "status": "resolved"}))
        clock.advance(timedelta(seconds=30))
        answer = send(beacon, webhook(flapping)).json()
    assert answer["incidents"] == ["INC-1"]

    rotation = load_catalog(beacon.settings.beacon_config_dir).teams["payments"].oncall
    assert rotation is not None
    oncall = on_call_at(rotation, START)
    page = eventually(lambda: [m for m in dms(slack, oncall.primary) if PAGE_ACK in str(m.blocks)])
    clock.advance(timedelta(minutes=4))  # acknowledged at 12:07
    assert beacon.click(PAGE_ACK, ack_button(page[0]), user=oncall.primary).status_code == 200
    eventually(lambda: PAGE_ACK not in str(dms(slack, oncall.primary)[0].blocks))

    text = review(beacon, database_url, "INC-1")
    assert re.search(
        r"^- \*\*First signal:\*\* 2026-12-01 12:00:\d\d UTC, alertmanager on payments: ",
        text,
        re.MULTILINE,
    ), text
    # a second or two of real time passes between the steps of the test
    assert re.fullmatch(
        r"\| First signal → declaration \| — \| 3m(\ds)? \| \|",
        row(text, "First signal → declaration"),
    )
    assert re.fullmatch(
        r"\| First signal → acknowledgement \| — \| 7m(\ds)? \| \|",
        row(text, "First signal → acknowledgement"),
    )
    assert re.fullmatch(
        r"\| Time to acknowledge \| .* \| 4m(\ds)? \| .*", row(text, "Time to acknowledge")
    )


def test_a_signal_joining_a_declared_incident_does_not_pretend_it_came_first(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock, database_url: str
) -> None:
    beacon.command("declare P2 Checkout failing services: checkout", user="U0IC")
    eventually(lambda: slack.channel_by_name("inc-1-checkout-failing"))
    plain = review(beacon, database_url, "INC-1")
    assert "First signal" not in plain  # no signal, no row

    clock.advance(timedelta(minutes=2))
    joined = send(beacon, webhook(alert("co-1", service="checkout"))).json()
    assert joined["incidents"] == ["INC-1"]
    text = review(beacon, database_url, "INC-1")
    assert row(text, "First signal → declaration") == (
        "| First signal → declaration | — | declared before any signal | |"
    )
    assert "First signal → acknowledgement" not in text
