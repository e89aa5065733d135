"""Beacon against a Slack as strict as the real one: invitations, history, private channels.

The fake grants exactly manifest.yml's scopes, lets the bot read only conversations it is in,
hides private channels it was not invited to, and fails a whole invitation batch unless
``force`` (app/sandbox/membership.py, app/sandbox/scopes.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.catalog.loader import load_catalog
from app.routing.oncall import on_call_at
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

CATALOG = load_catalog(FIXTURE_CONFIG)
PEOPLE = {"dana@example.com": "U0DANA"}


def primary(team: str) -> str:
    rotation = CATALOG.teams[team].oncall
    assert rotation is not None
    return str(on_call_at(rotation, datetime.now(UTC)).primary)


def paged(slack: FakeSlack) -> set[str]:
    """Everyone who got a page DM (an FYI to a dependent team is not a page)."""
    return {
        user
        for user, im in slack.ims.items()
        if any(str(m.text).startswith("You are paged") for m in slack.messages(im.id))
    }


def incident_channel(slack: FakeSlack) -> Any:
    channels = [c for c in slack.channels.values() if c.name.startswith("inc-")]
    assert len(channels) == 1
    return channels[0]


def texts(slack: FakeSlack, channel: str) -> list[str]:
    return [str(m.text) for m in slack.messages(channel)]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(channels=("incidents", "cs-incidents", "general"), users=PEOPLE) as fake:
        fake.add_channel("acct-acme", is_private=True, bot_member=True)
        yield fake


@pytest.fixture
def beacon(database_url: str, slack: FakeSlack) -> Iterator[RunningBeacon]:
    with RunningBeacon(database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG) as app:
        yield app


def test_a_self_declaring_on_call_finds_every_paged_responder_in_the_channel(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    me = primary("payments")
    beacon.command("declare P2 Card payments failing services: payments", user=me)
    eventually(lambda: len(paged(slack)) >= 3)
    channel = eventually(lambda: incident_channel(slack))
    eventually(lambda: paged(slack) | {me} <= channel.members, timeout=15)
    assert not [t for t in texts(slack, channel.id) if "Could not invite" in t]


def test_who_cannot_be_invited_is_named_in_the_channel_and_the_rest_are_invited(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    slack.add_user("cs1@example.com", "U0CS1", is_restricted=True)
    slack.add_user("vp1@example.com", "U0VP1", deleted=True)
    beacon.command("declare P2 Card payments failing services: payments", user="U0RESP1")
    channel = eventually(lambda: incident_channel(slack))

    def notice() -> str:
        found = [t for t in texts(slack, channel.id) if "Could not invite" in t]
        return found[0] if found else ""

    text = eventually(notice, timeout=15)
    assert "<@U0CS1>: a guest account" in text
    assert "<@U0VP1>: Slack refused (a deactivated or removed account)" in text
    assert "U0DANA" not in text
    eventually(lambda: (paged(slack) - {"U0CS1", "U0VP1"}) <= channel.members)
    assert "U0CS1" not in channel.members and "U0VP1" not in channel.members
    eventually(lambda: [t for t in texts(slack, channel.id) if "Could not page <@U0VP1>" in t])
    assert "U0VP1" not in slack.ims, "no DM opens with a deactivated account"
    time.sleep(0.5)
    assert sum("Could not invite" in t for t in texts(slack, channel.id)) == 1


def _exactly_once_after_an_outage(beacon: RunningBeacon, slack: FakeSlack, text: str) -> None:
    with slack.fail_while("chat.postMessage", status=503):
        beacon.command(text, user="U0RESP1")
        time.sleep(6)  # the outage the issue reproduced: longer than slack_sdk's own retries
    channel = eventually(lambda: incident_channel(slack), timeout=20)
    eventually(lambda: len(texts(slack, channel.id)) >= 1, timeout=30)
    people = eventually(lambda: paged(slack), timeout=30)
    time.sleep(1)
    for user in people:
        assert len(slack.messages(slack.ims[user].id)) == 1, user
    posted = texts(slack, channel.id)
    assert len(posted) == len(set(posted)), posted
    reads = slack.calls_to("conversations.history") + slack.calls_to("conversations.replies")
    assert reads, "a retried post looks for its first try"
    assert not [c.error for c in reads if not c.ok]


def test_a_retried_page_dm_and_announcement_arrive_exactly_once(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    _exactly_once_after_an_outage(
        beacon, slack, "declare P2 Card payments failing services: payments"
    )
    eventually(lambda: texts(slack, "incidents"), timeout=30)
    time.sleep(1)
    assert len(texts(slack, "incidents")) == 1
    assert slack.channel("incidents").is_member


def test_a_retried_announcement_in_a_private_channel_beacon_was_invited_to_arrives_once(
    database_url: str,
) -> None:
    with FakeSlack(channels=("cs-incidents", "acct-acme", "general"), users=PEOPLE) as slack:
        slack.add_channel("incidents", is_private=True, bot_member=True)
        with RunningBeacon(
            database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG
        ) as beacon:
            _exactly_once_after_an_outage(
                beacon, slack, "declare P2 Card payments failing services: payments"
            )
            eventually(lambda: texts(slack, "incidents"), timeout=30)
            time.sleep(1)
    assert len(texts(slack, "incidents")) == 1


def test_a_retried_post_in_a_private_channel_arrives_exactly_once(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    _exactly_once_after_an_outage(
        beacon, slack, "declare private P2 Card payments failing services: payments"
    )
    assert incident_channel(slack).is_private


def test_a_private_announce_channel_beacon_was_not_invited_to_is_said_in_the_incident(
    database_url: str,
) -> None:
    with FakeSlack(channels=("cs-incidents", "acct-acme", "general"), users=PEOPLE) as slack:
        slack.add_channel("incidents", is_private=True)
        with RunningBeacon(
            database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG
        ) as beacon:
            beacon.command("declare P3 Search slow services: search", user="U0RESP1")
            channel = eventually(lambda: incident_channel(slack))

            def notice() -> list[str]:
                return [t for t in texts(slack, channel.id) if "Beacon could not post" in t]

            (text,) = eventually(notice, timeout=15)
    assert "the announcement in #incidents" in text
    assert "`/invite @Beacon` in #incidents" in text
    assert not slack.messages("incidents")
