"""Declaring by text and by form: channel, topic, invitation, pinned brief, announcement."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from app.store.models import Incident
from tests.fakes.signing import view_submission_payload
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually, pinned_channel

CHANNEL = "inc-1-checkout-failing-for-eu-cards"


def _incident_count(beacon: RunningBeacon) -> int:
    with beacon.beacon.uow() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def _opened(slack: FakeSlack, name: str = CHANNEL, timeout: float = 10.0) -> Any:
    """Wait until the channel exists with its brief pinned and the announcement posted."""

    def ready() -> Any:
        channel = slack.channel_by_name(name)
        announced = slack.messages("incidents")
        return channel if channel and channel.pins and announced else None

    return eventually(ready, timeout=timeout)


def _brief(slack: FakeSlack, channel: Any) -> Any:
    """The pinned brief (paging notices share the channel)."""
    return next(m for m in slack.messages(channel.id) if m.ts in channel.pins)


def _texts(message: Any) -> str:
    return str(message.text) + str(message.blocks)


def test_declare_by_text_opens_the_incident(beacon: RunningBeacon, slack: FakeSlack) -> None:
    response = beacon.command(
        "declare P2 Checkout failing for EU cards services: checkout accounts: globex",
        user="U0RESP1",
    )
    assert response.status_code == 200
    assert "Declaring" in response.json()["text"]

    channel = _opened(slack)
    assert not channel.is_private
    eventually(lambda: "U0RESP1" in channel.members)  # invitations go after the opening
    topic = eventually(lambda: slack.channel(CHANNEL).topic)
    assert topic.startswith("P2 · Investigating · IC <@U0RESP1> · next update ")
    brief = _brief(slack, channel)
    brief_text = _texts(brief)
    assert "INC-1 · Checkout failing for EU cards" in brief_text
    assert "Checkout" in brief_text and "Payments" not in brief_text.split("Services")[0]
    assert "Globex" in brief_text and "Tier 2" in brief_text

    announcement = slack.messages("incidents")[-1]
    assert f"<#{channel.id}>" in _texts(announcement)

    def recorded() -> Incident | None:
        with beacon.beacon.uow() as session:
            incident = session.scalar(select(Incident))
            return incident if incident and incident.announce_ts and incident.brief_ts else None

    incident = eventually(recorded)
    assert incident.announce_ts == announcement.ts
    assert incident.brief_ts == brief.ts
    assert incident.channel_id == channel.id

    reply = eventually(lambda: slack.responses)
    assert "INC-1" in reply[-1]["text"] and "P2" in reply[-1]["text"]


def test_tier_one_account_raises_severity_with_reason(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    beacon.command("declare P3 Checkout failing for EU cards accounts: acme")
    channel = _opened(slack)
    brief = _texts(_brief(slack, channel))
    assert "P2 · Major (raised from P3)" in brief
    assert "Tier 1 account Acme Corp requires at least P2" in brief
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 ·"))
    reply = eventually(lambda: slack.responses)
    assert "raised from P3" in reply[-1]["text"]


def test_dependents_are_affected_too(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("declare P2 Sign-in errors services: auth")
    channel = _opened(slack, "inc-1-sign-in-errors")
    brief = _texts(_brief(slack, channel))
    for name in ("Sign-in", "Payments", "Checkout", "Acme Corp", "Globex"):
        assert name in brief
    assert "Initech" not in brief


def test_private_incident_is_never_announced(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("declare private P1 Suspected credential leak services: auth")
    channel = pinned_channel(slack, "inc-1-suspected-credential-leak")
    assert channel.is_private
    beacon.beacon.dispatcher.wake()
    eventually(lambda: _incident_count(beacon) == 1)
    assert slack.messages("incidents") == []
    assert all("announce" not in call.args for call in slack.calls_to("chat.postMessage"))


def test_channel_name_taken_gets_a_suffix(beacon: RunningBeacon, slack: FakeSlack) -> None:
    slack.create_channel(CHANNEL)
    beacon.command("declare P2 Checkout failing for EU cards")
    channel = _opened(slack, CHANNEL + "-2")
    assert "INC-1" in _texts(_brief(slack, channel))


def test_slack_errors_during_declaration_delay_but_never_lose_or_double(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    slack.fail_next("conversations.create", status=500, count=4)
    slack.fail_next("chat.postMessage", status=429, count=4, retry_after=1)
    beacon.command("declare P2 Checkout failing for EU cards")
    # conversations.create is not retried inside the client (a 5xx may have created the channel):
    # the outbox retries it, 1 + 2 + 4 + 8 s apart, looking for a channel it made first
    channel = _opened(slack, timeout=30)
    eventually(lambda: len(slack.messages("incidents")) == 1, timeout=15)
    assert len([c for c in slack.channels.values() if c.name.startswith("inc-1")]) == 1
    assert len([m for m in slack.messages(channel.id) if "INC-1 ·" in str(m.blocks)]) == 1
    assert len(slack.messages("incidents")) == 1
    assert any(call.status == 429 for call in slack.calls_to("chat.postMessage"))
    assert any(call.status == 500 for call in slack.calls_to("conversations.create"))


def test_declare_without_severity_opens_the_prefilled_form(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    response = beacon.command("declare Checkout failing for EU cards services: checkout")
    assert response.status_code == 200
    opened = eventually(lambda: slack.calls_to("views.open"))
    view = opened[0].args["view"]
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Checkout failing for EU cards"
    assert [o["value"] for o in blocks["services"]["element"]["initial_options"]] == ["checkout"]
    assert _incident_count(beacon) == 0


def _form(**values: Any) -> dict[str, Any]:
    state = {
        "title": {"title": {"type": "plain_text_input", "value": values.get("title")}},
        "severity": {
            "severity": {
                "type": "static_select",
                "selected_option": {"value": values["severity"]}
                if values.get("severity")
                else None,
            }
        },
        "services": {
            "services": {
                "type": "multi_static_select",
                "selected_options": [{"value": s} for s in values.get("services", [])],
            }
        },
        "accounts": {"accounts": {"type": "plain_text_input", "value": values.get("accounts")}},
        "summary": {"summary": {"type": "plain_text_input", "value": values.get("summary")}},
        "options": {
            "options": {
                "type": "checkboxes",
                "selected_options": [{"value": "customer_visible"}],
            }
        },
    }
    return state


def test_declare_by_form(beacon: RunningBeacon, slack: FakeSlack) -> None:
    payload = view_submission_payload(
        callback_id="beacon.declare",
        user_id="U0RESP2",
        view_id="V0FORM1",
        state_values=_form(
            title="Checkout failing for EU cards",
            severity="P2",
            services=["checkout"],
            summary="3DS challenges time out",
        ),
    )
    payload["view"]["private_metadata"] = json.dumps({"channel": "C0GENERAL"})
    response = beacon.interact(payload)
    assert response.status_code == 200
    channel = _opened(slack)
    eventually(lambda: "U0RESP2" in channel.members)  # invites may land after the pin
    assert "3DS challenges time out" in _texts(_brief(slack, channel))
    # It confirms like the command does, privately, where the form was opened.
    (confirmation,) = eventually(
        lambda: [e for e in slack.ephemerals if e.user == "U0RESP2" and "declared" in e.text]
    )
    assert confirmation.channel == "C0GENERAL"
    assert "*INC-1* declared as P2: Checkout failing for EU cards" in confirmation.text


def test_form_errors_are_shown_inline(beacon: RunningBeacon, slack: FakeSlack) -> None:
    payload = view_submission_payload(
        callback_id="beacon.declare",
        user_id="U0RESP2",
        view_id="V0FORM2",
        state_values=_form(title="Checkout down", severity="P2", accounts="acmee, globex"),
    )
    response = beacon.interact(payload)
    assert response.json() == {
        "response_action": "errors",
        "errors": {"accounts": "Unknown account `acmee`. Did you mean `acme`?"},
    }
    assert _incident_count(beacon) == 0


def test_same_submission_delivered_twice_declares_once(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    payload = view_submission_payload(
        callback_id="beacon.declare",
        user_id="U0RESP2",
        view_id="V0FORM3",
        state_values=_form(title="Checkout failing for EU cards", severity="P2"),
    )
    assert beacon.interact(payload).status_code == 200
    assert beacon.interact(payload).status_code == 200
    _opened(slack)
    assert _incident_count(beacon) == 1
    assert len(slack.calls_to("conversations.create")) == 1


def test_list_and_status(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("declare P2 Checkout failing for EU cards")
    channel = _opened(slack)
    beacon.command("list")
    listed = eventually(lambda: [r for r in slack.responses if "Open incidents" in str(r)])
    assert "INC-1" in str(listed[-1])
    beacon.command("status", channel=channel.id)
    status = eventually(lambda: [r for r in slack.responses if "Severity" in str(r.get("blocks"))])
    assert "INC-1 · Checkout failing for EU cards" in str(status[-1]["blocks"])


def test_a_form_from_where_beacon_cannot_post_confirms_by_dm(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """Opened in a conversation Beacon is not in (someone's DM): the ephemeral is refused
    there, so the confirmation comes from Beacon in a DM instead of being dropped."""
    payload = view_submission_payload(
        callback_id="beacon.declare",
        user_id="U0RESP2",
        view_id="V0FORMDM",
        state_values=_form(title="Checkout failing for EU cards", severity="P2"),
    )
    payload["view"]["private_metadata"] = json.dumps({"channel": "D0ELSEWHERE"})
    assert beacon.interact(payload).status_code == 200
    _opened(slack)

    def dm() -> list[str]:
        try:
            return [str(m.text) for m in slack.messages("U0RESP2")]
        except KeyError:
            return []

    eventually(lambda: any("*INC-1* declared as P2" in text for text in dm()))


def test_every_declaration_of_a_burst_is_acked_then_declared_and_answered(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """Declarations wait out a burst of requests after their acks (app/ack_first.py); none of
    them may be lost on the way, and each declarer hears which incident is theirs."""
    titles = [f"Checkout burst {n}" for n in range(12)]
    with ThreadPoolExecutor(len(titles)) as threads:
        acks = list(threads.map(lambda title: beacon.command(f"declare P3 {title}"), titles))
    assert all("Declaring" in beacon.replies_to(ack) for ack in acks)

    def answered() -> list[str] | None:
        said = [str(r.get("text")) for r in slack.responses if "declared as" in str(r.get("text"))]
        return said if len(said) == len(titles) else None

    answers = eventually(answered, timeout=20)
    assert sorted(title for title in titles if any(title in a for a in answers)) == sorted(titles)
    assert _incident_count(beacon) == len(titles)
