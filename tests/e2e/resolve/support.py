"""Shared steps of the customer-facing end-to-end tests: updates, resolve, review, App Home."""

from __future__ import annotations

from typing import Any

from app.slack.ids import CHECKLIST_TICK, DRAFT_APPROVE
from tests.fakes.signing import event_body
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually, pinned_channel

CHANNEL = "inc-1-sign-in-errors"
SECRET = "webhook-secret"
"""What the webhook fixture signs with."""


def buttons(messages: list[Any], action: str, *, containing: str = "") -> list[str]:
    values = []
    for message in messages:
        if containing and containing not in str(message.text) + str(message.blocks):
            continue
        for block in message.blocks or []:
            elements = list(block.get("elements", []))
            if block.get("accessory"):
                elements.append(block["accessory"])
            for element in elements:
                if isinstance(element, dict) and element.get("action_id") == action:
                    values.append(str(element["value"]))
    return values


def declare(beacon: RunningBeacon, slack: FakeSlack, text: str) -> Any:
    beacon.command(text, user="U0IC")
    return pinned_channel(slack, CHANNEL)


def approve(beacon: RunningBeacon, slack: FakeSlack, channel: Any, containing: str) -> str:
    draft = eventually(
        lambda: buttons(slack.messages(channel.id), DRAFT_APPROVE, containing=containing)
    )[-1]
    beacon.click(DRAFT_APPROVE, draft, user="U0IC", channel=channel.id)
    eventually(
        lambda: [
            m
            for m in slack.messages(channel.id)
            if containing in str(m.blocks) and "Approved by" in str(m.blocks)
        ]
    )
    return draft


def threads(slack: FakeSlack) -> dict[str, Any]:
    """Account thread parents by account name, wherever they were posted."""
    found = {}
    for name in ("acct-acme", "cs-incidents"):
        for message in slack.messages(name):
            for account in ("Acme Corp", "Globex", "Initech"):
                if f"Affects *{account}*" in str(message.text) + str(message.blocks):
                    found[account] = message
    return found


def checklist(slack: FakeSlack, parent: Any) -> Any:
    replies = slack.thread(parent.channel, parent.ts)
    found = [m for m in replies if "Recovery checklist" in str(m.text)]
    assert len(found) <= 1
    return found[0] if found else None


def tick_value(slack: FakeSlack, parent: Any, item: str) -> str:
    message = eventually(lambda: checklist(slack, parent))
    (value,) = [v for v in buttons([message], CHECKLIST_TICK) if v.endswith(f":{item}")]
    return value


def open_home(beacon: RunningBeacon, user: str, event_id: str) -> None:
    """``user`` opens Beacon's Home tab: a signed ``app_home_opened`` event."""
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1.0",
    }
    response = beacon.post_signed(event_body(event, event_id=event_id), "application/json")
    assert response.status_code == 200


def home_text(slack: FakeSlack, user: str) -> str:
    view = slack.home_views.get(user)
    return str(view["blocks"]) if view else ""
