"""An account channel that is private and Beacon was never invited to: Slack hides it from the
bot, so Beacon says so in the incident channel instead of losing the account's thread quietly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.resolve.support import approve, declare, threads
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(
        channels=("incidents", "cs-incidents", "general"), users={"dana@example.com": "U0DANA"}
    ) as fake:
        fake.add_channel("acct-acme", is_private=True)
        yield fake


def test_an_account_channel_beacon_was_not_invited_to_is_said_in_the_incident_channel(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel = declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    approve(beacon, slack, channel, "Initial customer notice")

    def notice() -> list[str]:
        return [str(m.text) for m in slack.messages(channel.id) if "could not post" in m.text]

    (text,) = eventually(notice, timeout=15)
    assert "Acme Corp's thread in #acct-acme" in text
    assert "`/invite @Beacon` in #acct-acme" in text
    eventually(lambda: "Globex" in threads(slack))
    assert not slack.messages("acct-acme")
