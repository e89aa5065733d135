"""Forms that answer: a refusal or an error behind a modal reaches the person who submitted it
(inline on the field when Slack lets Beacon answer in the ack, privately otherwise), and Slack
always gets a 200 for a user's mistake."""

from __future__ import annotations

import json
from typing import Any

from app.slack.ids import (
    DRAFT_EDIT,
    DRAFT_REJECT,
    DRAFT_TEXT,
    EDIT_VIEW,
    REJECT_REASON,
    REJECT_VIEW,
    RESOLVE_VIEW,
    ResolveField,
)
from tests.e2e.resolve.support import CHANNEL, buttons, declare
from tests.fakes.signing import text_value, view_submission_payload
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _draft(beacon: RunningBeacon, slack: FakeSlack) -> tuple[Any, str]:
    channel = declare(beacon, slack, "declare P3 Sign-in errors services: auth")
    beacon.command("update Logins fail status: identified", user="U0IC", channel=channel.id)
    draft = eventually(lambda: buttons(slack.messages(channel.id), DRAFT_REJECT))[-1]
    return channel, draft


def _submit(
    beacon: RunningBeacon, callback_id: str, user: str, field: str, text: str, meta: str
) -> dict[str, Any]:
    payload = view_submission_payload(
        callback_id=callback_id,
        user_id=user,
        view_id="V0FORM",
        private_metadata=meta,
        state_values={field: {field: {"type": "plain_text_input", "value": text}}},
    )
    response = beacon.interact(payload)
    assert response.status_code == 200
    return dict(response.json()) if response.content else {}


def test_a_bystander_pressing_reject_is_told_why_and_no_modal_opens(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel, draft = _draft(beacon, slack)
    response = beacon.click(DRAFT_REJECT, draft, user="U0BYSTANDER", channel=channel.id)
    assert response.status_code == 200
    eventually(lambda: [r for r in slack.responses if "may reject customer updates" in r["text"]])
    assert not slack.calls_to("views.open")


def test_a_refused_reject_form_answers_on_the_field(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """The form stayed open while the IC changed (or was opened from a stale card): the refusal
    comes back in the ack, as Slack shows field errors, and nothing is rejected."""
    channel, draft = _draft(beacon, slack)
    meta = json.dumps({"update_id": int(draft.partition(":")[0]), "version": 1})
    body = _submit(beacon, REJECT_VIEW, "U0BYSTANDER", REJECT_REASON, "too vague", meta)
    assert body["response_action"] == "errors"
    assert "may reject customer updates" in body["errors"][REJECT_REASON]
    assert not any("Rejected by" in str(m.blocks) for m in slack.messages(channel.id))


def test_a_refused_edit_form_answers_on_the_field(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel, draft = _draft(beacon, slack)
    beacon.click(DRAFT_EDIT, draft, user="U0BYSTANDER", channel=channel.id)
    eventually(lambda: [r for r in slack.responses if "may edit customer updates" in r["text"]])
    meta = json.dumps({"update_id": int(draft.partition(":")[0]), "version": 1})
    body = _submit(beacon, EDIT_VIEW, "U0BYSTANDER", DRAFT_TEXT, "All fine", meta)
    assert "may edit customer updates" in body["errors"][DRAFT_TEXT]
    assert not any("All fine" in str(m.blocks) for m in slack.messages(channel.id))


def test_a_resolve_form_failing_after_the_ack_is_answered_by_dm(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """The form closed (Slack has its ack) before the service found the incident already
    resolved; with no channel to answer in, the person hears it from Beacon in a DM."""
    channel = declare(beacon, slack, "declare P3 Sign-in errors services: auth")
    beacon.command("resolve fix: restarted", user="U0IC", channel=channel.id)
    eventually(lambda: "Resolved" in slack.channel(CHANNEL).topic)
    payload = view_submission_payload(
        callback_id=RESOLVE_VIEW,
        user_id="U0IC",
        view_id="V0RESOLVE",
        private_metadata=json.dumps({"number": 1}),
        state_values={ResolveField.FIX: {ResolveField.FIX: text_value("restarted again")}},
    )
    response = beacon.interact(payload)
    assert response.status_code == 200 and not response.content
    eventually(lambda: any("INC-1 is already resolved" in m.text for m in _dm(slack, "U0IC")))


def _dm(slack: FakeSlack, user: str) -> list[Any]:
    try:
        return slack.messages(user)
    except KeyError:  # Beacon has not opened the DM yet
        return []


def test_a_form_beacon_fails_on_before_its_ack_still_answers_the_person(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """A submission Beacon cannot read (its draft reference is missing) fails in Beacon before
    the ack; the person is told in a DM rather than left with Slack's generic error alone."""
    payload = view_submission_payload(
        callback_id=REJECT_VIEW,
        user_id="U0IC",
        view_id="V0BROKEN",
        private_metadata="{}",
        state_values={REJECT_REASON: {REJECT_REASON: text_value("too vague")}},
    )
    beacon.interact(payload)
    eventually(lambda: any("internal error" in m.text for m in _dm(slack, "U0IC")))
