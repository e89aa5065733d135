"""Who is hurt decides who is woken: pages, acknowledgements and escalation over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.catalog.loader import load_catalog
from app.routing.oncall import OnCallShift, on_call_at
from app.slack.ids import PAGE_ACK
from app.store.models import IncidentEvent, OutboxItem, Timer
from tests.e2e.conftest import FIXTURE_CONFIG, SEEDED_CHANNELS
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon, eventually, pinned_channel

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CATALOG = load_catalog(FIXTURE_CONFIG)


def oncall(team: str, at: datetime = START) -> OnCallShift:
    rotation = CATALOG.teams[team].oncall
    assert rotation is not None
    return on_call_at(rotation, at)


def secondary_of(team: str) -> str:
    """The team's secondary on call at START (every fixture rotation has one)."""
    person = oncall(team).secondary
    assert person is not None
    return person


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
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    """Payments and Checkout depend on Sign-in: their teams are told, not paged (SPEC 5.2)."""
    beacon.command("declare P2 Sign-in errors services: auth", user="U0RESP1")
    expected = {oncall("identity").primary, "U0IDMGR", "U0CS1", "U0VP1", "U0CS2"}
    told = {oncall("payments").primary, oncall("storefront").primary}
    eventually(lambda: all(dms(slack, user) for user in expected | told))
    for user in expected:
        (page,) = dms(slack, user)
        assert ack_button(page)
        assert "INC-1" in page.text
    reasons = str(dms(slack, "U0VP1")[0].blocks)
    assert "exec sponsor of Acme Corp, Tier 1" in reasons
    assert "on-call for Identity" in str(dms(slack, oncall("identity").primary)[0].blocks)
    for user in told:
        (fyi,) = dms(slack, user)
        assert "FYI" in fyi.text and "depends on Sign-in" in str(fyi.blocks)
        assert "Acknowledge" not in str(fyi.blocks)
        with pytest.raises(AssertionError):
            ack_button(fyi)
    secondaries = {secondary_of(team) for team in ("identity", "payments", "storefront")}
    for user in secondaries - expected - told | {"U0EXEC", "U0DANA", "U0SHOPMGR"}:
        assert dms(slack, user) == []
    channel = slack.channel("inc-1-sign-in-errors")
    eventually(lambda: expected <= channel.members)
    notice = eventually(
        lambda: (t := channel_texts(slack, channel.id)) and "Paging for INC-1" in t and t
    )
    for user in told:
        assert f"FYI <@{user}>" in notice
    # escalation chases the owners only: the dependents were told once and stay untouched
    clock.advance(timedelta(minutes=16))
    eventually(lambda: dms(slack, secondary_of("identity")))
    for user in told | {"U0DANA", "U0SHOPMGR"}:
        assert len(dms(slack, user)) <= 1
    assert dms(slack, "U0DANA") == [] and dms(slack, "U0SHOPMGR") == []


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
    assert dms(slack, secondary_of("storefront")) == []
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
    secondary = secondary_of("storefront")
    clock.advance(timedelta(minutes=14))
    time.sleep(0.5)
    assert dms(slack, secondary) == []
    clock.advance(timedelta(minutes=1, seconds=1))
    eventually(lambda: dms(slack, secondary), timeout=5)
    assert "secondary for Storefront" in str(dms(slack, secondary)[0].blocks)
    assert dms(slack, "U0EXEC") == []
    clock.advance(timedelta(minutes=10))
    eventually(lambda: dms(slack, "U0EXEC"), timeout=5)
    channel = slack.channel("inc-1-checkout-failing")
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
        secondary = secondary_of("storefront")
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
    channel = slack.channel("inc-1-checkout-failing")
    beacon.command("escalate customers are calling", user="U0RESP1", channel=channel.id)
    secondary = secondary_of("storefront")
    eventually(lambda: dms(slack, secondary))
    beacon.command("INC-1 ack", user=primary)
    reply = eventually(lambda: [r for r in slack.responses if "Acknowledged 1 page" in r["text"]])
    assert "Escalation stopped" in reply[0]["text"]
    beacon.command("INC-1 ack", user=primary)
    eventually(lambda: [r for r in slack.responses if "no unacknowledged page" in r["text"]])


def test_manual_pages(beacon: RunningBeacon, slack: FakeSlack) -> None:
    _declare_and_wait(beacon, slack)
    channel = slack.channel("inc-1-checkout-failing")
    slack.workspace.add_user("helper@example.com", "U0HELPER")
    beacon.command("page @helper", channel=channel.id)
    eventually(lambda: dms(slack, "U0HELPER"))
    beacon.command("page team:identity", channel=channel.id)
    eventually(lambda: dms(slack, oncall("identity").primary))
    beacon.command("page @U0HELPER", channel=channel.id)
    eventually(lambda: [r for r in slack.responses if "already paged" in r["text"]])
    assert len(dms(slack, "U0HELPER")) == 1
    body = beacon.command("page team:idenity", channel=channel.id).json()
    assert "Did you mean `identity`" in body["text"]


def test_page_a_user_group_pages_its_members(beacon: RunningBeacon, slack: FakeSlack) -> None:
    _declare_and_wait(beacon, slack)
    group = slack.workspace.add_usergroup("payments-oncall", ["U0PAY1", "U0PAY2"])
    channel = slack.channel("inc-1-checkout-failing")
    beacon.command("page @payments-oncall", channel=channel.id)
    eventually(lambda: dms(slack, "U0PAY1") and dms(slack, "U0PAY2"))
    assert "in @payments-oncall" in str(dms(slack, "U0PAY1")[0].blocks)
    (lookup,) = [c for c in slack.calls if c.method == "usergroups.users.list"]
    assert lookup.args["usergroup"] == group.id
    reply = eventually(lambda: [r for r in slack.responses if "Paged" in r["text"]])
    assert "<@U0PAY1>" in reply[0]["text"] and "<@U0PAY2>" in reply[0]["text"]


def test_page_channel_is_refused_without_a_broadcast(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    _declare_and_wait(beacon, slack)
    channel = slack.channel("inc-1-checkout-failing")
    body = beacon.command("page @channel", channel=channel.id).json()
    assert "`@channel` is not a person" in body["text"] and "<!" not in body["text"]


def test_unknown_email_is_looked_up_again_after_a_day(database_url: str, clock: FakeClock) -> None:
    with (
        FakeSlack(channels=SEEDED_CHANNELS, users={}) as slack,
        RunningBeacon(
            database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, clock=clock
        ) as beacon,
    ):

        def declare(number: int) -> Any:
            beacon.command(f"declare P2 Card payments failing {number} services: payments")
            name = f"inc-{number}-card-payments-failing-{number}"
            channel = eventually(lambda: slack.channel_by_name(name))
            eventually(
                lambda: "Could not page" in channel_texts(slack, channel.id) or dms(slack, "U0DANA")
            )
            return channel

        def settled() -> bool:
            """Nothing of the declaration left to deliver, so no lookup is still in flight."""
            with beacon.beacon.uow() as session:
                due = select(OutboxItem).where(
                    OutboxItem.state == "pending", OutboxItem.available_at <= clock()
                )
                return session.scalars(due).first() is None

        declare(1)
        eventually(settled)
        slack.workspace.add_user("dana@example.com", "U0DANA")
        second = declare(2)
        assert "Could not page dana@example.com" in channel_texts(slack, second.id)
        assert dms(slack, "U0DANA") == []  # still remembered as unknown within the day
        clock.advance(timedelta(days=1, minutes=1))
        third = declare(3)
        eventually(lambda: dms(slack, "U0DANA"))
        assert "Could not page dana@example.com" not in channel_texts(slack, third.id)


def test_severity_change_pages_only_the_newly_required(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    beacon.command("declare P3 Search is slow services: search")
    primary = oncall("storefront").primary
    eventually(lambda: dms(slack, primary))
    assert dms(slack, "U0SHOPMGR") == []
    channel = pinned_channel(slack, "inc-1-search-is-slow")
    beacon.command("severity P1 checkout is down too", channel=channel.id)
    eventually(lambda: dms(slack, "U0SHOPMGR") and dms(slack, "U0EXEC"))
    eventually(lambda: slack.channel("inc-1-search-is-slow").topic.startswith("P1 ·"))
    assert len(dms(slack, primary)) == 1
    body = beacon.command("severity P9", channel=channel.id).json()
    assert "Unknown severity `P9`" in body["text"]


def test_assign_commander_updates_topic(beacon: RunningBeacon, slack: FakeSlack) -> None:
    _declare_and_wait(beacon, slack)
    channel = slack.channel("inc-1-checkout-failing")
    slack.workspace.add_user("nic@example.com", "U0NEWIC")
    beacon.command("assign commander @nic", channel=channel.id)  # arrives as <@U0NEWIC|nic>
    eventually(lambda: "IC <@U0NEWIC>" in slack.channel("inc-1-checkout-failing").topic)
    eventually(lambda: "U0NEWIC" in slack.channel("inc-1-checkout-failing").members)
    body = beacon.command("assign boss @nic", channel=channel.id).json()
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
    misspelt = beacon.command("oncall chekout").json()["text"]
    assert "Did you mean" in misspelt and "Usage: `/incident oncall [team|service]`" in misspelt


def test_escalate_in_the_incident_channel_is_said_once(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """The channel's notice is the answer: the person typing it does not read it twice."""
    _declare_and_wait(beacon, slack)
    channel = slack.channel("inc-1-checkout-failing")
    beacon.command("escalate customers are calling", user="U0RESP1", channel=channel.id)
    eventually(lambda: dms(slack, secondary_of("storefront")))
    eventually(lambda: any("Escalation level 1" in str(m.text) for m in slack.messages(channel.id)))
    time.sleep(0.5)  # the ephemeral reply, if any, would have arrived by now
    said = [str(m.text) for m in slack.messages(channel.id)]
    said += [r["text"] for r in slack.responses] + [e.text for e in slack.ephemerals]
    assert sum("Escalation level 1" in text for text in said) == 1

    beacon.command("INC-1 escalate still down", user="U0RESP1", channel="C0GENERAL")
    eventually(lambda: [r for r in slack.responses if "Escalation level 2" in r["text"]])
