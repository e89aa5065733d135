"""Resolve: the resolution notice through approval, the recovery checklist in each account
thread (ticks by the right people only), cadence and escalation stopped, reopen within 24 h."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from functools import partial

from sqlalchemy import select

from app.slack.ids import CHECKLIST_TICK, RESOLVE_VIEW, ResolveField
from app.store.models import ChecklistTick, Incident, IncidentEvent, Timer
from tests.e2e.resolve.support import (
    CHANNEL,
    approve,
    checklist,
    declare,
    threads,
    tick_value,
)
from tests.fakes.signing import text_value, view_submission_payload
from tests.fakes.slack_api import FakeSlack, Message
from tests.fakes.webhook import FakeWebhookReceiver
from tests.support.harness import FakeClock, RunningBeacon, eventually, pinned_channel

RESOLVE = (
    "resolve fix: rolled back the signing key rotation residual_risk: keys rotate again"
    " next week customer_steps: sign in again if you were signed out"
)


def _pending_timers(beacon: RunningBeacon) -> list[str]:
    with beacon.beacon.uow() as session:
        return list(session.scalars(select(Timer.kind).where(Timer.state == "pending")))


def _thread_says(slack: FakeSlack, parent: Message, *words: str) -> bool:
    """Some reply in ``parent``'s thread says every one of ``words``."""
    return any(
        all(word in str(m.text) for word in words) for m in slack.thread(parent.channel, parent.ts)
    )


def test_resolve_approve_checklist_ticks_and_refusals(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    beacon.command("subscribe acme", user="U0FAN")
    channel = declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    assert eventually(lambda: _pending_timers(beacon))
    beacon.command(RESOLVE, user="U0IC", channel=channel.id)
    eventually(lambda: any("resolved* by" in str(m.blocks) for m in slack.messages(channel.id)))
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Resolved"))
    assert _pending_timers(beacon) == []
    found = eventually(lambda: (t := threads(slack)) and len(t) == 2 and t)
    acme, globex = found["Acme Corp"], found["Globex"]
    for parent in (acme, globex):
        eventually(partial(checklist, slack, parent))
    # the customer notice waits for approval; then it is a reply in each thread and a webhook
    assert not any("Resolved:" in str(m.text) for m in slack.thread(acme.channel, acme.ts))
    eventually(
        lambda: any(
            "Initial customer notice" in str(m.blocks) and "superseded" in str(m.blocks)
            for m in slack.messages(channel.id)
        )
    )
    approve(beacon, slack, channel, "Customer resolution notice")
    for parent in (acme, globex):
        eventually(partial(_thread_says, slack, parent, "Rolled back", "Sign in again"))
    eventually(lambda: any(d.json["kind"] == "resolution" for d in receiver.received))
    announcement = slack.messages("incidents")[-1]

    def announced() -> bool:
        message = slack.find_message("incidents", announcement.ts)
        assert message is not None
        return all(word in str(message.blocks) for word in ("Resolved", "Rolled back"))

    eventually(announced)

    # liaison, approver, IC may tick; a self-subscriber, a bystander and another account's
    # liaison may not (SPEC 5.10: a subscription alone grants nothing)
    def refusals() -> list[str]:
        return [r["text"] for r in slack.responses if "recovery checklist for INC-1" in r["text"]]

    beacon.click(CHECKLIST_TICK, tick_value(slack, acme, "restoration"), user="U0CS1")
    eventually(lambda: "<@U0CS1>" in str(checklist(slack, acme).blocks))
    beacon.click(CHECKLIST_TICK, tick_value(slack, acme, "data_integrity"), user="U0FAN")
    eventually(lambda: len(refusals()) == 1)
    assert "Only Acme Corp's liaison (<@U0CS1>), the incident commander" in refusals()[0]
    beacon.click(CHECKLIST_TICK, tick_value(slack, acme, "data_integrity"), user="U0APPROVER")
    eventually(lambda: "<@U0APPROVER>" in str(checklist(slack, acme).blocks))
    review = tick_value(slack, acme, "review_shared")
    beacon.click(CHECKLIST_TICK, review, user="U0BYSTANDER")
    eventually(lambda: len(refusals()) == 2)
    beacon.click(CHECKLIST_TICK, tick_value(slack, globex, "restoration"), user="U0CS1")
    eventually(lambda: len(refusals()) == 3)
    beacon.click(CHECKLIST_TICK, review, user="U0IC")
    eventually(lambda: "Checklist complete" in str(checklist(slack, acme).blocks))
    beacon.click(CHECKLIST_TICK, review, user="U0APPROVER")  # a second tick of the same item
    eventually(lambda: [r for r in slack.responses if "Already ticked by <@U0IC>" in r["text"]])
    time.sleep(0.3)
    with beacon.beacon.uow() as session:
        ticks = list(session.scalars(select(ChecklistTick)))
        kinds = list(session.scalars(select(IncidentEvent.kind)))
    assert sorted((t.item, t.ticked_by) for t in ticks) == [
        ("data_integrity", "U0APPROVER"),
        ("restoration", "U0CS1"),
        ("review_shared", "U0IC"),
    ]
    assert kinds.count("checklist_refused") == 3
    assert kinds.count("checklist_ticked") == 3
    assert "Checklist complete" not in str(checklist(slack, globex).blocks)
    assert "resolved" in kinds


def test_resolve_without_fix_opens_the_form(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = declare(beacon, slack, "declare P3 Sign-in errors services: auth")
    beacon.command("resolve", user="U0IC", channel=channel.id)
    opened = eventually(lambda: slack.calls_to("views.open"))
    assert opened[-1].args["view"]["callback_id"] == "beacon.resolve"


def test_reopen_within_a_day_and_refused_after(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    channel = declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    beacon.command(RESOLVE, user="U0IC", channel=channel.id)
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Resolved"))
    clock.advance(timedelta(hours=2))
    beacon.command("reopen", user="U0IC", channel=channel.id)
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Monitoring"))
    with beacon.beacon.uow() as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.status == "monitoring" and incident.next_update_due is not None
    assert set(_pending_timers(beacon)) >= {"nudge", "overdue", "update_escalation"}
    eventually(
        lambda: any(
            "Customer resolution notice" in str(m.blocks) and "Rejected by" in str(m.blocks)
            for m in slack.messages(channel.id)
        )
    )
    beacon.command(RESOLVE, user="U0IC", channel=channel.id)
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Resolved"))
    clock.advance(timedelta(hours=25))
    beacon.command("reopen", user="U0IC", channel=channel.id)
    eventually(lambda: [r for r in slack.responses if "more than 24 hours ago" in r["text"]])
    with beacon.beacon.uow() as session:
        assert session.scalars(select(Incident)).one().status == "resolved"


def test_private_incident_resolves_without_threads_announcement_or_webhooks(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    beacon.command("declare private P2 Sign-in errors services: auth", user="U0IC")
    channel = pinned_channel(slack, CHANNEL)
    assert channel.is_private
    beacon.command(RESOLVE, user="U0IC", channel=channel.id)
    eventually(lambda: any("resolved* by" in str(m.blocks) for m in slack.messages(channel.id)))
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Resolved"))
    time.sleep(0.5)
    assert threads(slack) == {}
    assert not any(
        "Customer resolution notice" in str(m.blocks) for m in slack.messages(channel.id)
    )
    assert slack.messages("incidents") == []
    assert receiver.received == []
    assert _pending_timers(beacon) == []


def test_resolve_form_submission_resolves(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = declare(beacon, slack, "declare P3 Sign-in errors services: auth")
    beacon.command("resolve", user="U0IC", channel=channel.id)
    view = eventually(lambda: slack.calls_to("views.open"))[-1].args["view"]
    empty = view_submission_payload(
        callback_id=RESOLVE_VIEW,
        user_id="U0IC",
        view_id="V0RESOLVE",
        private_metadata=view["private_metadata"],
        state_values={ResolveField.FIX: {ResolveField.FIX: text_value(None)}},
    )
    assert beacon.interact(empty).json()["response_action"] == "errors"
    submit = view_submission_payload(
        callback_id=RESOLVE_VIEW,
        user_id="U0IC",
        view_id="V0RESOLVE",
        private_metadata=view["private_metadata"],
        state_values={
            ResolveField.FIX: {ResolveField.FIX: text_value("restarted the token service")},
            ResolveField.CUSTOMER_STEPS: {ResolveField.CUSTOMER_STEPS: text_value("sign in again")},
        },
    )
    assert beacon.interact(submit).status_code == 200
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Resolved"))
    eventually(
        lambda: any(
            "restarted the token service" in str(m.blocks) for m in slack.messages(channel.id)
        )
    )


def test_concurrent_ticks_of_one_item_record_one(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    beacon.command(RESOLVE, user="U0IC", channel=channel.id)
    acme = eventually(lambda: threads(slack).get("Acme Corp"))
    value = tick_value(slack, acme, "restoration")
    clicks = [
        threading.Thread(target=beacon.click, args=(CHECKLIST_TICK, value), kwargs={"user": u})
        for u in ("U0IC", "U0APPROVER", "U0CS1", "U0IC")
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    eventually(
        lambda: "Restoration confirmed with customer* —" in str(checklist(slack, acme).blocks)
    )
    eventually(lambda: len([r for r in slack.responses if "Already ticked" in r["text"]]) == 3)
    with beacon.beacon.uow() as session:
        assert len(list(session.scalars(select(ChecklistTick)))) == 1
        kinds = list(session.scalars(select(IncidentEvent.kind)))
    assert kinds.count("checklist_ticked") == 1


def test_a_form_error_for_a_channel_beacon_is_not_in_arrives_as_a_dm(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """chat.postEphemeral answers channel_not_found where Beacon is not a member; the person
    who submitted still reads why nothing happened."""
    secret = slack.workspace.add_channel("war-room", is_private=True, members=["U0IC"])
    submit = view_submission_payload(
        callback_id=RESOLVE_VIEW,
        user_id="U0IC",
        view_id="V0RESOLVE",
        private_metadata=json.dumps({"number": None, "channel": secret.id}),
        state_values={ResolveField.FIX: {ResolveField.FIX: text_value("restarted it")}},
    )
    assert beacon.interact(submit).status_code == 200
    dm = eventually(lambda: slack.messages(c.id) if (c := slack.ims.get("U0IC")) else None)
    refused = [c for c in slack.calls if c.method == "chat.postEphemeral"]
    assert [c.error for c in refused] == ["channel_not_found"]
    assert "incident" in dm[0].text
