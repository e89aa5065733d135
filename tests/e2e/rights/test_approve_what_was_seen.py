"""Approve sends exactly the version the approver saw; an Edit of a decided draft is refused;
Edits and Approves racing each other never let unapproved words out (SPEC 5.10). Runs on SQLite
and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from sqlalchemy import select

from app.slack.ids import DRAFT_APPROVE, DRAFT_EDIT, DRAFT_TEXT, EDIT_VIEW
from app.store.models import StatusUpdate
from tests.e2e.rights.support import buttons, declare, event_kinds, replies
from tests.fakes.signing import view_submission_payload
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

UPDATE = "update Card payments fail for some EU customers status: identified"


def _update_card(beacon: RunningBeacon, slack: FakeSlack, channel: str) -> str:
    beacon.command(UPDATE, user="U0IC", channel=channel)
    return eventually(lambda: buttons(slack, channel, DRAFT_APPROVE, containing="Customer update"))[
        0
    ]


def _edit_form(beacon: RunningBeacon, slack: FakeSlack, card: str, channel: str) -> str:
    """Press Edit as the IC; the private metadata of the form that opens."""
    opened = len(slack.calls_to("views.open"))
    beacon.click(DRAFT_EDIT, card, user="U0IC", channel=channel)
    calls = eventually(
        lambda: len(slack.calls_to("views.open")) > opened and slack.calls_to("views.open")
    )
    return str(calls[-1].args["view"]["private_metadata"])


def _submit(beacon: RunningBeacon, metadata: str, text: str, view_id: str) -> str:
    """Submit the Edit form; a refusal comes back on its field, in the ack."""
    payload = view_submission_payload(
        callback_id=EDIT_VIEW,
        user_id="U0IC",
        view_id=view_id,
        private_metadata=metadata,
        state_values={DRAFT_TEXT: {DRAFT_TEXT: {"type": "plain_text_input", "value": text}}},
    )
    response = beacon.interact(payload)
    assert response.status_code == 200
    return str(response.json()["errors"][DRAFT_TEXT]) if response.content else ""


def _sent(slack: FakeSlack) -> list[str]:
    """What Acme's account thread received."""
    return [
        str(reply.text)
        for parent in slack.messages("acct-acme")
        for reply in slack.thread(parent.channel, parent.ts)
    ]


def _draft(beacon: RunningBeacon, draft_id: int) -> Any:
    with beacon.beacon.uow() as session:
        draft = session.get_one(StatusUpdate, draft_id)
        session.expunge(draft)
        return draft


def test_approve_of_a_stale_version_and_edit_of_a_decided_draft_are_refused(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel = declare(beacon, slack).id
    seen = _update_card(beacon, slack, channel)
    draft_id = int(seen.split(":")[0])
    metadata = _edit_form(beacon, slack, seen, channel)
    _submit(beacon, metadata, "We are rolling back a faulty release.", "V0EDIT1")
    eventually(lambda: buttons(slack, channel, DRAFT_APPROVE, containing="faulty release"))

    beacon.click(
        DRAFT_APPROVE, seen, user="U0APPROVER", channel=channel
    )  # the card before the edit
    refusal = eventually(lambda: [t for t in replies(slack) if "Not sent" in t])[0]
    assert "edited (now version 2)" in refusal and "approve that one" in refusal
    assert _draft(beacon, draft_id).state == "pending"
    time.sleep(0.3)
    assert not any("faulty release" in t or "identified" in t.lower() for t in _sent(slack))

    current = buttons(slack, channel, DRAFT_APPROVE, containing="faulty release")[0]
    assert current == f"{draft_id}:2"
    beacon.click(DRAFT_APPROVE, current, user="U0APPROVER", channel=channel)
    eventually(lambda: any("faulty release" in t for t in _sent(slack)))

    refused = _submit(beacon, metadata, "Too late: this must never reach anyone.", "V0EDIT2")
    assert "already approved by <@U0APPROVER>" in refused
    beacon.click(DRAFT_EDIT, current, user="U0IC", channel=channel)
    eventually(lambda: any("can no longer be edited" in t for t in replies(slack)))
    assert _draft(beacon, draft_id).customer_text == "We are rolling back a faulty release."
    assert "approval_stale" in event_kinds(beacon)


def test_concurrent_edits_and_approves_send_only_what_was_seen(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel = declare(beacon, slack).id
    seen = _update_card(beacon, slack, channel)
    draft_id = int(seen.split(":")[0])
    original = _draft(beacon, draft_id).customer_text
    metadata = _edit_form(beacon, slack, seen, channel)
    assert json.loads(metadata)["version"] == 1
    racers = [
        threading.Thread(
            target=_submit, args=(beacon, metadata, f"Edit {n}: not approved", f"V0RACE{n}")
        )
        for n in range(3)
    ] + [
        threading.Thread(
            target=beacon.click,
            args=(DRAFT_APPROVE, seen),
            kwargs={"user": user, "channel": channel},
        )
        for user in ("U0IC", "U0APPROVER", "U0IC")
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    kinds = eventually(
        lambda: (
            (k := event_kinds(beacon))
            and k.count("approved") + k.count("approval_stale") >= 1
            and k
        )
    )
    time.sleep(1.0)  # let every refusal and delivery land
    kinds = event_kinds(beacon)
    draft = _draft(beacon, draft_id)
    assert kinds.count("approved") <= 1 and kinds.count("draft_edited") <= 1
    if draft.state == "approved":  # the approval won: no edit was saved, the original went out
        assert kinds.count("draft_edited") == 0
        assert (draft.version, draft.customer_text) == (1, original)
        eventually(lambda: _sent(slack))
        assert not any("not approved" in t for t in _sent(slack))
    else:  # an edit won: every approval of version 1 was refused and nothing went out
        assert draft.state == "pending" and draft.version == 2
        assert kinds.count("draft_edited") == 1 and kinds.count("approved") == 0
        assert kinds.count("approval_stale") == 3
        assert _sent(slack) == []
    with beacon.beacon.uow() as session:
        approved = session.scalars(
            select(StatusUpdate).where(StatusUpdate.state == "approved")
        ).all()
    assert all("not approved" not in d.customer_text for d in approved)
