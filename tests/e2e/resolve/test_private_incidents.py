"""A private incident stays small (SPEC 5.2, 5.4): responders are paged, account liaisons and
exec sponsors are not (unless paged by hand), and nothing of it reaches account threads,
webhooks or the App Home of people outside it."""

from __future__ import annotations

from tests.e2e.resolve.support import home_text, open_home, threads
from tests.e2e.test_paging import dms, oncall
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook import FakeWebhookReceiver
from tests.support.harness import RunningBeacon, eventually, pinned_channel


def test_private_incident_pages_responders_only_and_leaks_nowhere(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    open_home(beacon, "U0CS1", "Ev0PRIV1")
    eventually(lambda: "No open incident" in home_text(slack, "U0CS1"))
    beacon.command(
        "declare private P1 Card data exposure services: payments accounts: acme", user="U0IC"
    )
    channel = pinned_channel(slack, "inc-1-card-data-exposure")
    responders = {oncall("payments").primary, "U0DANA", "U0EXEC"}
    eventually(lambda: all(dms(slack, user) for user in responders))
    notice = eventually(
        lambda: (
            (t := " ".join(str(m.text) for m in slack.messages(channel.id)))
            and "Paging for INC-1" in t
            and t
        )
    )
    assert "liaisons and exec sponsors are not paged" in notice
    beacon.command("update Contained status: identified", user="U0IC", channel=channel.id)
    eventually(lambda: "Contained" in " ".join(str(m.blocks) for m in slack.messages(channel.id)))
    for user in ("U0CS1", "U0VP1"):
        assert dms(slack, user) == []
    assert threads(slack) == {}
    assert receiver.received == []
    assert "INC-1" not in home_text(slack, "U0CS1")
    assert "Card data exposure" not in str(
        [m.blocks for m in slack.messages("incidents")]
        + [m.blocks for m in slack.messages("cs-incidents")]
    )
    # someone who decides the liaison must know pages them by hand
    beacon.command("page @U0CS1", user="U0IC", channel=channel.id)
    eventually(lambda: dms(slack, "U0CS1"))
