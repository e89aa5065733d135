"""App Home for an IC, a liaison and a bystander, republished when they are paged, acknowledge
and when incidents open and resolve; :pushpin: messages join the timeline once."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from sqlalchemy import select

from app.slack.ids import PAGE_ACK
from app.store.models import IncidentEvent
from tests.e2e.resolve.support import declare, home_text, open_home
from tests.fakes.signing import block_actions_payload, event_body
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _event(beacon: RunningBeacon, event: dict[str, Any], event_id: str, **headers: Any) -> None:
    response = beacon.post_signed(event_body(event, event_id=event_id), "application/json")
    assert response.status_code == 200


def _home_buttons(slack: FakeSlack, user: str) -> list[str]:
    view = slack.home_views.get(user) or {}
    return [
        str(b["accessory"]["value"])
        for b in view.get("blocks", [])
        if b.get("accessory", {}).get("action_id") == PAGE_ACK
    ]


def _home_says(slack: FakeSlack, user: str, words: str) -> bool:
    return words in home_text(slack, user)


def test_app_home_for_ic_liaison_and_bystander(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("subscribe acme", user="U0CS1")
    for n, user in enumerate(("U0IC", "U0CS1", "U0BYSTANDER")):
        open_home(beacon, user, f"Ev0HOME{n}")
    for user in ("U0IC", "U0CS1", "U0BYSTANDER"):
        eventually(partial(_home_says, slack, user, "No open incident"))
    assert "You follow: Acme Corp" in home_text(slack, "U0CS1")
    assert "You follow no accounts" in home_text(slack, "U0BYSTANDER")

    channel = declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    for user in ("U0IC", "U0CS1", "U0BYSTANDER"):
        eventually(partial(_home_says, slack, user, "INC-1 · P2 · Investigating"))
    assert "IC <@U0IC>" in home_text(slack, "U0BYSTANDER")
    assert "next update 12:15 UTC" in home_text(slack, "U0IC")
    (page,) = eventually(lambda: _home_buttons(slack, "U0CS1"))
    assert "liaison of Acme Corp" in home_text(slack, "U0CS1")
    assert _home_buttons(slack, "U0BYSTANDER") == [] and _home_buttons(slack, "U0IC") == []
    assert "Nothing waiting for your acknowledgement" in home_text(slack, "U0BYSTANDER")
    for user in ("U0IC", "U0CS1", "U0BYSTANDER"):
        assert len(slack.home_views[user]["blocks"]) <= 100

    beacon.click(PAGE_ACK, page, user="U0CS1")
    eventually(lambda: _home_buttons(slack, "U0CS1") == [])

    beacon.command("resolve fix: rolled back", user="U0IC", channel=channel.id)
    for user in ("U0IC", "U0CS1", "U0BYSTANDER"):
        eventually(partial(_home_says, slack, user, "No open incident"))
    assert "Last 30 days vs targets" in home_text(slack, "U0IC")
    assert "*P2* — 1 incident(s)" in home_text(slack, "U0BYSTANDER")


def test_an_acknowledge_refused_in_app_home_reaches_the_user(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    """Home buttons come with no response_url: the refusal arrives as a DM from Beacon."""
    open_home(beacon, "U0CS1", "Ev0HOMEACK")
    declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    (page,) = eventually(lambda: _home_buttons(slack, "U0CS1"))
    home = slack.home_views["U0CS1"]
    pressed = block_actions_payload(
        action_id=PAGE_ACK, value=page, user_id="U0BYSTANDER", view=home
    )
    assert "response_url" not in pressed
    assert beacon.interact(pressed).status_code == 200
    told = eventually(lambda: _dm_texts(slack, "U0BYSTANDER"))
    assert "only they can acknowledge" in told
    assert _home_buttons(slack, "U0CS1") == [page]


def _dm_texts(slack: FakeSlack, user: str) -> str:
    channel = slack.ims.get(user)
    return "\n".join(m.text for m in slack.messages(channel.id)) if channel else ""


def test_pushpin_reaction_adds_the_message_to_the_timeline_once(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel = declare(beacon, slack, "declare P3 Sign-in errors services: auth")
    message = slack.add_message(channel.id, "Rolled back deploy 4512 at 12:03", user="U0ID1")
    other = slack.add_message("general", "not an incident", user="U0ID1")
    reaction = {
        "type": "reaction_added",
        "user": "U0IC",
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel.id, "ts": message.ts},
        "item_user": "U0ID1",
        "event_ts": "2.0",
    }
    _event(beacon, reaction, "Ev0PIN1")
    _event(beacon, reaction, "Ev0PIN1")  # Slack's retry of the same delivery

    def pinned() -> list[IncidentEvent]:
        with beacon.beacon.uow() as session:
            return list(
                session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "pinned"))
            )

    (event,) = eventually(pinned)
    assert event.text == "Rolled back deploy 4512 at 12:03" and event.actor == "U0IC"
    _event(beacon, {**reaction, "user": "U0ID2"}, "Ev0PIN2")  # someone else pins it too
    _event(beacon, {**reaction, "reaction": "eyes"}, "Ev0EYES")
    _event(
        beacon,
        {**reaction, "item": {"type": "message", "channel": other.channel, "ts": other.ts}},
        "Ev0ELSEWHERE",
    )
    time.sleep(0.5)
    review = beacon.beacon.reviews.review(number=1, channel=None, viewer=None)
    assert "| @U0IC | Rolled back deploy 4512 at 12:03 |" in review
    assert len(pinned()) == 1
