"""`/incident mitigate`: a card, one click by someone with the right, on the brief while in
force, a reminder to the IC before it lapses, Renew, and the review (SPEC 5.10)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.slack.ids import MITIGATION_AUTHORISE, MITIGATION_DENY, MITIGATION_RENEW
from app.store.models import Mitigation
from tests.e2e.rights.support import (
    CHANNEL,
    OUTSIDER,
    buttons,
    declare,
    event_kinds,
    on_call,
    replies,
)
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon, eventually

ASK = "mitigate roll back payments to 4511 reason: 4512 broke card auth <!channel>"


def _together(beacon: RunningBeacon, clicks: list[tuple[str, str, str]], channel: str) -> None:
    """Press buttons at the same moment, as a double click or two people at once would."""
    threads = [
        threading.Thread(
            target=beacon.click, args=(action, value), kwargs={"user": user, "channel": channel}
        )
        for action, value, user in clicks
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _texts(slack: FakeSlack, channel: str) -> str:
    return "\n".join(str(m.text) + str(m.blocks) for m in slack.messages(channel))


def test_mitigation_is_authorised_once_renewed_reminded_and_lapses(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock, config_dir: Path
) -> None:
    channel = declare(beacon, slack)
    requester = on_call(config_dir, "payments")
    beacon.command("ack", user=requester, channel=channel.id)  # no escalations in the way
    beacon.command(ASK, user=requester, channel=channel.id)
    authorise = eventually(lambda: buttons(slack, channel.id, MITIGATION_AUTHORISE))[0]
    card = _texts(slack, channel.id)
    assert "roll back payments to 4511" in card and "4512 broke card auth" in card
    assert "<!channel>" not in card and "&lt;!channel&gt;" in card  # typed, never a broadcast

    # the requester (not the IC) and a bystander may not; the refusal says who may
    beacon.click(MITIGATION_AUTHORISE, authorise, user=requester, channel=channel.id)
    beacon.click(MITIGATION_DENY, authorise, user=OUTSIDER, channel=channel.id)
    eventually(lambda: len([t for t in replies(slack) if "may authorise or deny" in t]) == 2)
    # Payments' manager (configured by email) double-clicks as the IC clicks: decided once
    _together(
        beacon,
        [
            (MITIGATION_AUTHORISE, authorise, "U0DANA"),
            (MITIGATION_AUTHORISE, authorise, "U0DANA"),
            (MITIGATION_AUTHORISE, authorise, "U0IC"),
        ],
        channel.id,
    )
    eventually(lambda: buttons(slack, channel.id, MITIGATION_RENEW))
    eventually(lambda: len([t for t in replies(slack) if "Already authorised by" in t]) == 2)
    assert event_kinds(beacon).count("mitigation_authorised") == 1
    with beacon.beacon.uow() as session:
        (mitigation,) = session.scalars(select(Mitigation)).all()
    assert mitigation.state == "authorised" and mitigation.decided_by in {"U0DANA", "U0IC"}
    assert buttons(slack, channel.id, MITIGATION_AUTHORISE) == []
    assert f"Authorised by <@{mitigation.decided_by}>" in _texts(slack, channel.id)
    eventually(lambda: "Mitigations in force" in str(channel_brief(slack, channel.id)))
    assert f"authorised by <@{mitigation.decided_by}>" in str(channel_brief(slack, channel.id))

    # Renew, double-clicked: renewed once, from now
    clock.advance(timedelta(minutes=20))
    renew = buttons(slack, channel.id, MITIGATION_RENEW)[0]
    _together(
        beacon, [(MITIGATION_RENEW, renew, "U0IC"), (MITIGATION_RENEW, renew, "U0IC")], channel.id
    )
    eventually(lambda: "Renewed 1×" in _texts(slack, channel.id))
    assert event_kinds(beacon).count("mitigation_renewed") == 1

    # the first term's timers are void; the renewed term reminds the IC 5 minutes before
    clock.advance(timedelta(minutes=12))
    time.sleep(0.5)
    assert "lapses at" not in "\n".join(str(m.text) for m in slack.messages(channel.id))
    clock.advance(timedelta(minutes=14))
    eventually(
        lambda: any(
            "<@U0IC> the mitigation" in str(m.text) and "lapses at" in str(m.text)
            for m in slack.messages(channel.id)
        ),
        timeout=30,  # the channel's posting budget also carries the update-cadence notices
    )
    clock.advance(timedelta(minutes=5))
    eventually(
        lambda: any("has lapsed" in str(m.text) for m in slack.messages(channel.id)), timeout=30
    )
    eventually(
        lambda: "Mitigations in force" not in str(channel_brief(slack, channel.id)), timeout=30
    )
    assert buttons(slack, channel.id, MITIGATION_RENEW) == []
    assert event_kinds(beacon).count("mitigation_reminder") == 1

    review = beacon.beacon.reviews.review(number=1, channel=None, viewer="U0IC")
    assert "## Mitigations" in review
    assert "roll back payments to 4511" in review and "lapsed, renewed 1×" in review


def channel_brief(slack: FakeSlack, channel: str) -> object:
    """The pinned brief as it reads now."""
    pins = slack.channel(CHANNEL).pins
    pinned = [m for m in slack.messages(channel) if m.ts in pins]
    return pinned[0].blocks if pinned else None


def test_the_ic_may_authorise_their_own_request(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = declare(beacon, slack)
    beacon.command("INC-1 mitigate disable 3-D Secure for EU cards", user="U0IC")
    authorise = eventually(lambda: buttons(slack, channel.id, MITIGATION_AUTHORISE))[0]
    beacon.click(MITIGATION_AUTHORISE, authorise, user="U0IC", channel=channel.id)
    eventually(lambda: "Authorised by <@U0IC>" in _texts(slack, channel.id))
