"""One stored assessment (issue 12 item 4) and pages that say why (item 5), over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.slack.ids import PAGE_ACK
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.e2e.test_paging import START, ack_button, channel_texts, dms, oncall, secondary_of
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon, eventually, pinned_channel


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def beacon(database_url: str, slack: FakeSlack, clock: FakeClock) -> Iterator[RunningBeacon]:
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
    ) as app:
        yield app


def _brief(slack: FakeSlack, channel: Any) -> str:
    (brief,) = [m for m in slack.messages(channel.id) if m.ts in channel.pins]
    return str(brief.blocks)


def test_severity_change_rewrites_the_assessment_the_brief_shows(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    beacon.command("declare P3 Sign-in errors services: auth", user="U0IC")
    channel = pinned_channel(slack, "inc-1-sign-in-errors")
    raised = "Tier 1 account Acme Corp requires at least P2"
    assert raised in _brief(slack, channel)
    beacon.command("severity P1 every login fails", user="U0IC", channel=channel.id)
    eventually(lambda: "P1 · Critical" in _brief(slack, channel))
    brief = _brief(slack, channel)
    assert raised not in brief and "raised from" not in brief
    eventually(lambda: dms(slack, "U0EXEC"))  # re-routed at P1 from the same assessment


def test_a_configuration_reload_does_not_rewrite_a_running_incident(
    database_url: str, slack: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
    ) as app:
        app.command("declare P3 Sign-in errors services: auth", user="U0IC")
        channel = pinned_channel(slack, "inc-1-sign-in-errors")
        eventually(lambda: "next update 12:15 UTC" in slack.channel(channel.name).topic)
    # Tier 1 accounts now get updates every 2h: the running incident keeps its 15m cadence
    reloaded = tmp_path / "config"
    reloaded.mkdir()
    for source in FIXTURE_CONFIG.iterdir():
        text = source.read_text().replace(
            "1: {min_severity: P2, update_every: 15m", "1: {min_severity: P2, update_every: 2h"
        )
        (reloaded / source.name).write_text(text)
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=reloaded, clock=clock
    ) as app:
        clock.advance(timedelta(minutes=5))
        app.command("update Keys rotated", user="U0IC", channel=channel.id)
        eventually(lambda: "next update 12:20 UTC" in slack.channel(channel.name).topic)


def test_pages_say_what_is_hurt_and_escalations_say_who_did_not_answer(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    beacon.command("declare P2 Card payments failing services: payments", user="U0IC")
    primary = oncall("payments").primary
    (page,) = eventually(lambda: dms(slack, primary))
    body = str(page.blocks)
    for part in ("Payments (`payments`)", "Checkout (`checkout`)", "*Tier 1* (1): Acme Corp"):
        assert part in body, part
    assert "|Payments runbook>" in body and "|runbook>" not in body
    channel = slack.channel("inc-1-card-payments-failing")
    # the manager is configured by email: mentioned as the user Slack resolved it to
    texts = eventually(
        lambda: (t := channel_texts(slack, channel.id)) and "manager of Payments" in t and t
    )
    assert "<@U0DANA>: manager of Payments" in texts and "dana@example.com" not in texts
    review = beacon.beacon.reviews.review(number=1, channel=None, viewer=None)
    assert "U0DANA" in review and "dana@example.com" not in review

    clock.advance(timedelta(minutes=16))
    secondary = secondary_of("payments")
    (escalated,) = eventually(lambda: dms(slack, secondary))
    why = str(escalated.blocks)
    assert "secondary for Payments" in why
    assert f"no acknowledgement from <@{primary}> (on-call for Payments) in 1" in why
    assert beacon.click(PAGE_ACK, ack_button(escalated), user=secondary).status_code == 200
    acked = eventually(
        lambda: (m := dms(slack, secondary)[0]) and "Acknowledged by" in str(m.blocks) and m
    )
    kept = str(acked.blocks)
    assert "Checkout (`checkout`)" in kept and "|Payments runbook>" in kept
    assert f"no acknowledgement from <@{primary}>" in kept


def test_a_service_named_later_pages_its_owners_and_rewrites_the_assessment(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    beacon.command("declare P2 Card payments failing services: payments", user="U0IC")
    shop = oncall("storefront").primary
    (fyi,) = eventually(lambda: dms(slack, shop))
    assert "FYI for Storefront" in str(fyi.blocks) and dms(slack, "U0SHOPMGR") == []
    channel = slack.channel("inc-1-card-payments-failing")
    beacon.command("page service:checkout", user="U0IC", channel=channel.id)
    page = eventually(lambda: (d := dms(slack, shop)) and len(d) == 2 and d[1])
    assert ack_button(page) and "on-call for Storefront" in str(page.blocks)
    eventually(lambda: dms(slack, "U0SHOPMGR"))  # P2 pages owners' managers too
    eventually(lambda: "Checkout (`checkout`), named" in _brief(slack, channel))
