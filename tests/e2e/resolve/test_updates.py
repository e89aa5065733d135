"""Status updates: internal brief at once, customer draft approved by the IC, then exactly one
reply in each affected account's thread, the announcement updated and each webhook posted."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.slack.ids import (
    DRAFT_APPROVE,
    DRAFT_EDIT,
    DRAFT_REJECT,
    DRAFT_TEXT,
    EDIT_VIEW,
    REJECT_REASON,
    REJECT_VIEW,
)
from app.store.models import IncidentEvent, StatusUpdate
from tests.e2e.resolve.support import CHANNEL, SECRET
from tests.fakes.signing import view_submission_payload
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook import FakeWebhookReceiver
from tests.support.harness import FakeClock, RunningBeacon, eventually, pinned_channel


def _card_values(slack: FakeSlack, channel_id: str, action: str) -> list[str]:
    values = []
    for message in slack.messages(channel_id):
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if element.get("action_id") == action:
                    values.append(str(element["value"]))
    return values


def _declare(
    beacon: RunningBeacon, slack: FakeSlack, text: str = "declare P3 Sign-in errors services: auth"
) -> Any:
    beacon.command(text, user="U0IC")
    return pinned_channel(slack, CHANNEL)


def _update(beacon: RunningBeacon, slack: FakeSlack, channel: Any) -> str:
    """Post an update; the value of its approval card's buttons (``<draft id>:<version>``).
    Found by the draft's id, not as "the card that is new": the initial notice's card may
    still be arriving from the declaration."""
    beacon.command(
        "update Logins fail for some users status: identified cause: expired signing key on"
        " the auth token service action: rotating keys workaround: retry in a minute eta: 45m",
        user="U0IC",
        channel=channel.id,
    )

    def card() -> str | None:
        with beacon.beacon.uow() as session:
            latest = session.scalar(
                select(func.max(StatusUpdate.id)).where(StatusUpdate.kind == "update")
            )
        value = f"{latest}:1"
        return value if value in _card_values(slack, channel.id, DRAFT_APPROVE) else None

    return str(eventually(card))


def _threads(slack: FakeSlack) -> dict[str, Any]:
    """Account thread parents by account name, wherever they were posted."""
    found = {}
    for name in ("acct-acme", "cs-incidents"):
        for message in slack.messages(name):
            for account in ("Acme Corp", "Globex", "Initech"):
                if f"Affects *{account}*" in str(message.text) + str(message.blocks):
                    found[account] = (name, message)
    return found


def test_update_posts_internal_brief_and_approval_card(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel = _declare(beacon, slack)
    _update(beacon, slack, channel)
    # the card found may be the initial notice's, drafted at declaration: wait for the brief
    texts = eventually(
        lambda: (
            (t := " ".join(str(m.blocks) for m in slack.messages(channel.id)))
            and "expired signing key" in t
            and t
        )
    )
    assert "auth" in texts
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Identified"))


def test_non_approver_is_refused_and_audited(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = _declare(beacon, slack)
    draft = _update(beacon, slack, channel)
    beacon.click(DRAFT_APPROVE, draft, user="U0BYSTANDER", channel=channel.id)
    eventually(lambda: [r for r in slack.responses if "Only the incident commander" in r["text"]])
    assert not any(message.replies for _, message in _threads(slack).values())
    with beacon.beacon.uow() as session:
        assert "approval_refused" in set(session.scalars(select(IncidentEvent.kind)))


def test_approval_replies_once_per_account_thread_without_internal_ids(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    beacon.command("subscribe acme", user="U0FAN")
    channel = _declare(beacon, slack)
    draft = _update(beacon, slack, channel)
    clicks = [
        threading.Thread(
            target=beacon.click,
            args=(DRAFT_APPROVE, draft),
            kwargs={"user": user, "channel": channel.id},
        )
        for user in ("U0IC", "U0APPROVER", "U0IC")
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    threads = eventually(
        lambda: (
            (t := _threads(slack)) and len(t) == 2 and all(m.replies for _, m in t.values()) and t
        )
    )
    assert set(threads) == {"Acme Corp", "Globex"}
    assert threads["Acme Corp"][0] == "acct-acme" and threads["Globex"][0] == "cs-incidents"
    parent = str(threads["Acme Corp"][1].blocks)
    assert "<@U0CS1>" in parent and "<@U0FAN>" in parent and "Tier 1" in parent
    time.sleep(0.5)
    for _, message in threads.values():
        replies = slack.thread(message.channel, message.ts)
        assert len(replies) == 1
        text = str(replies[0].text) + str(replies[0].blocks)
        assert "Sign-in" in text
        assert not re.search(r"\bauth\b|\bpayments\b|\bcheckout\b", text)
    card = eventually(
        lambda: [m for m in slack.messages(channel.id) if "Approved by" in str(m.blocks)]
    )
    assert "sent to 2 account thread(s)" in str(card[0].blocks)
    eventually(lambda: "Latest update" in str(slack.messages("incidents")[-1].blocks))
    (delivery,) = eventually(lambda: receiver.received)
    assert receiver.verify(delivery, SECRET)
    assert delivery.json["incident"] == "INC-1"
    time.sleep(0.3)
    assert len(receiver.received) == 1


def test_initial_notice_is_drafted_for_major_incidents(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel = _declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    card = eventually(
        lambda: [
            m for m in slack.messages(channel.id) if "Initial customer notice" in str(m.blocks)
        ]
    )
    assert "Sign-in" in str(card[0].blocks)


def test_edit_then_reject(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = _declare(beacon, slack)
    draft = _update(beacon, slack, channel)
    beacon.click(DRAFT_EDIT, draft, user="U0IC", channel=channel.id)
    opened = eventually(lambda: slack.calls_to("views.open"))
    view = opened[-1].args["view"]
    submit = view_submission_payload(
        callback_id=EDIT_VIEW,
        user_id="U0IC",
        view_id="V0EDIT",
        private_metadata=view["private_metadata"],
        state_values={
            DRAFT_TEXT: {
                DRAFT_TEXT: {"type": "plain_text_input", "value": "Sign-in is slow; we are on it."}
            }
        },
    )
    assert beacon.interact(submit).status_code == 200
    eventually(
        lambda: any(
            "we are on it" in str(m.blocks) and "edited by" in str(m.blocks)
            for m in slack.messages(channel.id)
        )
    )
    beacon.click(DRAFT_REJECT, draft, user="U0IC", channel=channel.id)
    view = eventually(
        lambda: len(slack.calls_to("views.open")) == 2 and slack.calls_to("views.open")
    )[-1].args["view"]
    submit = view_submission_payload(
        callback_id=REJECT_VIEW,
        user_id="U0IC",
        view_id="V0REJECT",
        private_metadata=view["private_metadata"],
        state_values={
            REJECT_REASON: {REJECT_REASON: {"type": "plain_text_input", "value": "too vague"}}
        },
    )
    assert beacon.interact(submit).status_code == 200
    eventually(
        lambda: any("Rejected by <@U0IC>" in str(m.blocks) for m in slack.messages(channel.id))
    )
    eventually(lambda: any("too vague" in str(m.text) for m in slack.messages(channel.id)))
    assert not any(message.replies for _, message in _threads(slack).values())


def test_reminders_follow_the_cadence_and_an_update_resets_them(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    channel = _declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    # Tier 1 Acme is hurt: updates every 15 minutes; nudge 5 minutes before.
    clock.advance(timedelta(minutes=9))
    time.sleep(0.5)
    assert not any("is due at" in str(m.text) for m in slack.messages(channel.id))
    clock.advance(timedelta(minutes=1, seconds=1))
    eventually(lambda: any("due at 12:15 UTC" in str(m.text) for m in slack.messages(channel.id)))
    _update(beacon, slack, channel)
    clock.advance(timedelta(minutes=6))
    time.sleep(0.5)
    assert not any("overdue" in str(m.text) for m in slack.messages(channel.id))
    clock.advance(timedelta(minutes=10))
    eventually(lambda: any("overdue" in str(m.text) for m in slack.messages(channel.id)))


def test_subscriptions(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("subscribe acme", user="U0FAN")
    beacon.command("subscribe Globex", user="U0FAN")
    beacon.command("subscriptions", user="U0FAN")
    eventually(
        lambda: [r for r in slack.responses if "You follow: Acme Corp and Globex" in r["text"]]
    )
    beacon.command("unsubscribe acme", user="U0FAN")
    beacon.command("subscriptions", user="U0FAN")
    eventually(lambda: [r for r in slack.responses if r["text"] == "You follow: Globex"])
    body = beacon.command("subscribe acmee", user="U0FAN").json()
    assert "Did you mean `acme`" in body["text"]


def _approve(beacon: RunningBeacon, slack: FakeSlack) -> Any:
    channel = _declare(beacon, slack)
    beacon.click(DRAFT_APPROVE, _update(beacon, slack, channel), user="U0IC", channel=channel.id)
    return channel


def test_a_webhook_outage_is_retried_until_it_is_delivered_once(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    receiver.fail_next = 2
    _approve(beacon, slack)
    (delivery,) = eventually(lambda: receiver.received, timeout=15)
    assert receiver.verify(delivery, SECRET)
    time.sleep(0.5)
    assert len(receiver.received) == 1


def test_a_webhook_that_refuses_is_shown_in_the_incident_channel(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    receiver.fail_next, receiver.fail_status = 100, 410
    channel = _approve(beacon, slack)
    eventually(
        lambda: any(
            "could not deliver `webhook`" in str(m.text) and "HTTP 410" in str(m.text)
            for m in slack.messages(channel.id)
        )
    )
    assert receiver.received == []


def test_private_incidents_publish_nowhere(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    beacon.command("declare private P2 Sign-in errors services: auth", user="U0IC")
    channel = pinned_channel(slack, CHANNEL)
    assert channel.is_private
    beacon.command("update Logins fail", user="U0IC", channel=channel.id)
    eventually(lambda: any("Logins fail" in str(m.blocks) for m in slack.messages(channel.id)))
    time.sleep(0.5)
    assert _card_values(slack, channel.id, DRAFT_APPROVE) == []
    assert _threads(slack) == {} and receiver.received == []
    assert not any("Sign-in errors" in str(m.blocks) for m in slack.messages("incidents"))


def test_words_after_a_status_are_the_summary(beacon: RunningBeacon, slack: FakeSlack) -> None:
    """`status: monitoring still watching` is typed as people talk: the status, then what is
    going on; it is taken, not refused as an unknown status."""
    channel = _declare(beacon, slack)
    beacon.command("update status: monitoring still watching", user="U0IC", channel=channel.id)
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Monitoring"))
    eventually(lambda: any("still watching" in str(m.blocks) for m in slack.messages(channel.id)))
    assert not [r for r in slack.responses if "Unknown status" in r["text"]]
