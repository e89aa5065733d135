"""PagerDuty as a second paging channel: every page triggers an alert; an outage of PagerDuty
never holds back the Slack page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.resolve import resolve_pagerduty
from app.store import incidents
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually, pinned_channel

ROUTING_KEY = "R0UTINGKEY0123456789ABCDEFGHIJKL"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    for source in FIXTURE_CONFIG.iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    with (tmp_path / "policy.yaml").open("a") as policy:
        policy.write("pagerduty:\n  routing_key_env: TEST_PAGERDUTY_KEY\n")
    return tmp_path


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
def beacon(
    database_url: str,
    slack: FakeSlack,
    pagerduty: FakePagerDuty,
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningBeacon]:
    monkeypatch.setenv("TEST_PAGERDUTY_KEY", ROUTING_KEY)
    with RunningBeacon(
        database_url=database_url,
        slack=slack,
        config_dir=config_dir,
        pagerduty_events_url=pagerduty.url,
    ) as app:
        yield app


def test_each_page_triggers_one_alert_and_resolving_closes_them(
    beacon: RunningBeacon, slack: FakeSlack, pagerduty: FakePagerDuty
) -> None:
    beacon.command("declare P3 Search is slow services: search")
    keys = eventually(lambda: pagerduty.open_incidents())
    assert all(key.startswith("beacon-INC-1-") for key in keys)
    (event,) = pagerduty.events
    assert event["routing_key"] == ROUTING_KEY
    assert event["payload"]["severity"] == "warning"
    assert "INC-1 P3: Search is slow" in event["payload"]["summary"]

    ctx = beacon.beacon.paging.ctx
    with ctx.uow() as session:
        incident = incidents.by_number(session, 1)
        assert incident is not None
        resolve_pagerduty(session, ctx, incident, ctx.clock())
        session.commit()
    beacon.beacon.dispatcher.wake()
    eventually(lambda: not pagerduty.open_incidents())


def test_pagerduty_outage_never_blocks_the_slack_page(
    beacon: RunningBeacon, slack: FakeSlack, pagerduty: FakePagerDuty
) -> None:
    pagerduty.down()
    beacon.command("declare P3 Search is slow services: search")
    eventually(lambda: slack.ims)
    assert pagerduty.events == []
    pagerduty.up()
    eventually(lambda: pagerduty.open_incidents(), timeout=15)
    assert len(pagerduty.events) == 1


def test_incident_resolve_resolves_the_pagerduty_alerts(
    beacon: RunningBeacon, slack: FakeSlack, pagerduty: FakePagerDuty
) -> None:
    beacon.command("declare P3 Search is slow services: search", user="U0IC")
    eventually(lambda: pagerduty.open_incidents())
    channel = pinned_channel(slack, "inc-1-search-is-slow")
    beacon.command("resolve fix: restarted the indexer", user="U0IC", channel=channel.id)
    eventually(lambda: not pagerduty.open_incidents())
