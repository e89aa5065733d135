"""Who is hurt decides who is woken: pages, acknowledgements and escalation over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.catalog.loader import load_catalog
from app.routing.oncall import on_call_at
from app.slack.ids import PAGE_ACK
from app.store.models import IncidentEvent, Timer
from tests.e2e.conftest import FIXTURE_CONFIG, SEEDED_CHANNELS
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon, eventually

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CATALOG = load_catalog(FIXTURE_CONFIG)


def oncall(team: str, at: datetime = START) -> Any:
    rotation = CATALOG.teams[team].oncall
    assert rotation is not None
    return on_call_at(rotation, at)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def beacon(database_url: str, slack: FakeSlack, clock: FakeClock) -> Iterator[RunningBeacon]:
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
    ) as app:
        yield app


def dms(slack: FakeSlack, user: str) -> list[Any]:
    channel = slack.ims.get(user)
    return slack.messages(channel.id) if channel else []


def ack_button(message: Any) -> str:
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == PAGE_ACK:
                return str(element["value"])
    raise AssertionError("no Acknowledge button")


def channel_texts(slack: FakeSlack, name: str) -> str:
    return "\n".join(str(m.text) for m in slack.messages(name))


def test_sev2_on_foundational_service_pages_owners_and_tier1_contacts(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    beacon.command("declare P2 Sign-in errors services: auth", user="U0RESP1")
    primaries = {oncall(team).primary for team in ("identity", "payments", "storefront")}
    managers = {"U0IDMGR", "U0DANA", "U0SHOPMGR"}
    contacts = {"U0CS1", "U0VP1", "U0CS2"}
    expected = primaries | managers | contacts
    eventually(lambda: all(dms(slack, user) for user in expected))
    for user in expected:
        (page,) = dms(slack, user)
        assert ack_button(page)
        assert "INC-1" in page.text
    reasons = str(dms(slack, "U0VP1")[0].blocks)
    assert "exec sponsor of Acme Corp, Tier 1" in reasons
    assert f"on-call for {CATALOG.teams['payments'].name}" in str(
        dms(slack, oncall("payments").primary)[0].blocks
    )
    secondaries = {oncall(team).secondary for team in ("identity", "payments", "storefront")}
    for user in secondaries - expected | {"U0EXEC"}:
        assert dms(slack, user) == []
    channel = slack.channel_by_name("inc-1-sign-in-errors")
    eventually(lambda: expected <= channel.members)
    notice = eventually(lambda: "Paging for INC-1" in channel_texts(slack, channel.id))
    assert notice


def _declare_and_wait(beacon: RunningBeacon, slack: FakeSlack) -> str:
    beacon.command("declare P2 Checkout failing services: checkout")
    primary = oncall("storefront").primary
    eventually(lambda: dms(slack, primary))  # pages do not wait for the channel: wait for both
    # the pinned brief follows the recorded channel: Beacon knows it is the incident's channel
    eventually(lambda: (c := slack.channel_by_name("inc-1-checkout-failing")) and c.pins)
    return primary


def test_ack_button_stops_escalation(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    primary = _declare_and_wait(beacon, slack)
    page = dms(slack, primary)[0]
    assert beacon.click(PAGE_ACK, ack_button(page), user=primary).status_code == 200
    eventually(lambda: "Acknowledged by" in str(dms(slack, primary)[0].blocks))
    assert PAGE_ACK not in str(dms(slack, primary)[0].blocks)
    clock.advance(timedelta(minutes=30))
    time.sleep(1.0)
    assert dms(slack, oncall("storefront").secondary) == []
    with beacon.beacon.uow() as session:
        states = set(session.scalars(select(Timer.state).where(Timer.kind == "escalation")))
        kinds = list(session.scalars(select(IncidentEvent.kind)))
    assert states == {"cancelled"}
    assert "acknowledged" in kinds and "escalated" not in kinds


def test_only_the_paged_person_can_acknowledge(beacon: RunningBeacon, slack: FakeSlack) -> None:
    primary = _declare_and_wait(beacon, slack)
    beacon.click(PAGE_ACK, ack_button(dms(slack, primary)[0]), user="U0INTRUDER")
    refusal = eventually(lambda: [r for r in slack.responses if "only they can" in r["text"]])
    assert refusal[0]["response_type"] == "ephemeral"
    with beacon.beacon.uow() as session:
        kinds = list(session.scalars(select(IncidentEvent.kind)))
    assert "ack_refused" in kinds and "acknowledged" not in kinds


def test_missed_ack_escalates_on_time(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    _declare_and_wait(beacon, slack)
    secondary = oncall("storefront").secondary
    clock.advance(timedelta(minutes=14))
    time.sleep(0.5)
    assert dms(slack, secondary) == []
    clock.advance(timedelta(minutes=1, seconds=1))
    eventually(lambda: dms(slack, secondary), timeout=5)
    assert "secondary for Storefront" in str(dms(slack, secondary)[0].blocks)
    assert dms(slack, "U0EXEC") == []
    clock.advance(timedelta(minutes=10))
    eventually(lambda: dms(slack, "U0EXEC"), timeout=5)
    channel = slack.channel_by_name("inc-1-checkout-failing")
    texts = eventually(lambda: (t := channel_texts(slack, channel.id)) and "level 2" in t and t)
    assert "Escalation level 1 for INC-1 (no acknowledgement within 15m)" in texts


def test_restart_with_pending_escalation_fires_it_exactly_once(
    database_url: str, clock: FakeClock
) -> None:
    with FakeSlack(channels=SEEDED_CHANNELS, users={"dana@example.com": "U0DANA"}) as slack:
        with RunningBeacon(
            database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
        ) as first:
            _declare_and_wait(first, slack)
        clock.advance(timedelta(hours=1))
        secondary = oncall("storefront").secondary
        with (
            RunningBeacon(
                database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
            ),
            RunningBeacon(
                database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
            ),
        ):
            eventually(lambda: dms(slack, secondary), timeout=5)
            time.sleep(1.5)
        assert len(dms(slack, secondary)) == 1
        assert dms(slack, "U0EXEC") == []


def test_ack_command_and_manual_escalation(beacon: RunningBeacon, slack: FakeSlack) -> None:
    primary = _declare_and_wait(beacon, slack)
    channel = slack.channel_by_name("inc-1-checkout-failing")
    beacon.command("escalate customers are calling", user="U0RESP1", channel=channel.id)
    secondary = oncall("storefront").secondary
    eventually(lambda: dms(slack, secondary))
    beacon.command("INC-1 ack", user=primary)
    reply = eventually(lambda: [r for r in slack.responses if "Acknowledged 1 page" in r["text"]])
    assert "Escalation stopped" in reply[0]["text"]
    beacon.command("INC-1 ack", user=primary)
    eventually(lambda: [r for r in slack.responses if "no unacknowledged page" in r["text"]])


def test_manual_pages(beacon: RunningBeacon, slack: FakeSlack) -> None:
    _declare_and_wait(beacon, slack)
    channel = slack.channel_by_name("inc-1-checkout-failing")
    beacon.command("page <@U0HELPER|helper>", channel=channel.id)
    eventually(lambda: dms(slack, "U0HELPER"))
    beacon.command("page team:identity", channel=channel.id)
    eventually(lambda: dms(slack, oncall("identity").primary))
    beacon.command("page <@U0HELPER>", channel=channel.id)
    eventually(lambda: [r for r in slack.responses if "already paged" in r["text"]])
    assert len(dms(slack, "U0HELPER")) == 1
    body = beacon.command("page team:idenity", channel=channel.id).json()
    assert "Did you mean `identity`" in body["text"]


def test_severity_change_pages_only_the_newly_required(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    beacon.command("declare P3 Search is slow services: search")
    primary = oncall("storefront").primary
    eventually(lambda: dms(slack, primary))
    assert dms(slack, "U0SHOPMGR") == []
    channel = eventually(
        lambda: (c := slack.channel_by_name("inc-1-search-is-slow")) and c.pins and c
    )
    beacon.command("severity P1 checkout is down too", channel=channel.id)
    eventually(lambda: dms(slack, "U0SHOPMGR") and dms(slack, "U0EXEC"))
    eventually(lambda: slack.channel_by_name("inc-1-search-is-slow").topic.startswith("P1 ·"))
    assert len(dms(slack, primary)) == 1
    body = beacon.command("severity P9", channel=channel.id).json()
    assert "Unknown severity `P9`" in body["text"]


def test_assign_commander_updates_topic(beacon: RunningBeacon, slack: FakeSlack) -> None:
    _declare_and_wait(beacon, slack)
    channel = slack.channel_by_name("inc-1-checkout-failing")
    beacon.command("assign commander <@U0NEWIC|nic>", channel=channel.id)
    eventually(lambda: "IC <@U0NEWIC>" in slack.channel_by_name("inc-1-checkout-failing").topic)
    eventually(lambda: "U0NEWIC" in slack.channel_by_name("inc-1-checkout-failing").members)
    body = beacon.command("assign boss <@U0X>", channel=channel.id).json()
    assert "Usage" in body["text"]


def test_unknown_email_is_a_visible_notice(database_url: str, clock: FakeClock) -> None:
    with (
        FakeSlack(channels=SEEDED_CHANNELS, users={}) as slack,
        RunningBeacon(
            database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
        ) as beacon,
    ):
        beacon.command("declare P2 Card payments failing services: payments")
        channel = eventually(lambda: slack.channel_by_name("inc-1-card-payments-failing"))
        eventually(lambda: "Could not page dana@example.com" in channel_texts(slack, channel.id))
        eventually(lambda: dms(slack, oncall("payments").primary))


def test_accounts_lookup(beacon: RunningBeacon, slack: FakeSlack) -> None:
    _declare_and_wait(beacon, slack)
    beacon.command("accounts acm")
    card = eventually(lambda: [r for r in slack.responses if "Acme Corp" in str(r.get("blocks"))])
    text = str(card[0]["blocks"])
    for part in (
        "Tier 1",
        "Score 9",
        "liaison <@U0CS1>",
        "exec sponsor <@U0VP1>",
        "INC-1",
        "Checkout, Payments",
    ):
        assert part in text


def test_oncall_shows_who_is_on_call_and_next(beacon: RunningBeacon, slack: FakeSlack) -> None:
    body = beacon.command("oncall checkout").json()
    shift = oncall("storefront")
    assert (
        f"<@{shift.primary}>" in body["text"] and CATALOG.teams["storefront"].name in body["text"]
    )
    assert f"<@{shift.next_person}> from" in str(body["blocks"])
    everyone = beacon.command("oncall").json()
    assert all(team.name in everyone["text"] for team in CATALOG.teams.values())
    assert "Did you mean" in beacon.command("oncall chekout").json()["text"]
