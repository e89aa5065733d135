"""Shared setup of the decision-rights tests: the fixture configuration with people named by
email (an approver, Acme's liaison, the Payments manager who is also listed by id in the P2 page
list), a known clock, and helpers that read what people saw."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.catalog.loader import load_catalog
from app.routing.oncall import on_call_at
from app.slack.ids import DRAFT_APPROVE
from app.store.models import IncidentEvent
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually, pinned_channel

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PEOPLE = {"dana@example.com": "U0DANA", "erin@example.com": "U0ERIN", "cara@example.com": "U0CARA"}
"""Who Slack's users.lookupByEmail knows."""
OUTSIDER = "U0OUTSIDER"
"""Named nowhere in the configuration, paged for nothing."""
GENERAL = "C0GENERAL"
CHANNEL = "inc-1-card-payments-failing"
DECLARE = "declare P2 Card payments failing services: payments"


def write_config(directory: Path) -> Path:
    """The fixture config, with an approver and Acme's liaison written as emails and Dana (the
    Payments manager, an email) also listed by id in the P2 page list."""
    edits = {
        "policy.yaml": [
            ("approvers: [U0APPROVER]", "approvers: [U0APPROVER, erin@example.com]"),
            ("page: [oncall, manager]}", "page: [oncall, manager, U0DANA]}"),
        ],
        "accounts.yaml": [("liaison: U0CS1", "liaison: cara@example.com")],
    }
    for source in FIXTURE_CONFIG.iterdir():
        text = source.read_text()
        for old, new in edits.get(source.name, []):
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        (directory / source.name).write_text(text)
    return directory


def on_call(directory: Path, team: str, at: datetime = START) -> str:
    rotation = load_catalog(directory).teams[team].oncall
    assert rotation is not None
    return on_call_at(rotation, at).primary


def declare(beacon: RunningBeacon, slack: FakeSlack) -> Any:
    beacon.command(DECLARE, user="U0IC", channel=GENERAL)
    return pinned_channel(slack, CHANNEL)


def buttons(slack: FakeSlack, channel: str, action: str, containing: str = "") -> list[str]:
    values = []
    for message in slack.messages(channel):
        if containing and containing not in str(message.blocks):
            continue
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if isinstance(element, dict) and element.get("action_id") == action:
                    values.append(str(element["value"]))
    return values


def initial_card(slack: FakeSlack, channel: str) -> str:
    """The Approve value of the initial customer notice drafted at declaration."""
    return eventually(
        lambda: buttons(slack, channel, DRAFT_APPROVE, containing="Initial customer notice")
    )[0]


def replies(slack: FakeSlack) -> list[str]:
    """Every ephemeral answer sent through a response_url, in order."""
    return [str(r.get("text", "")) for r in slack.responses]


def dms(slack: FakeSlack, user: str) -> list[Any]:
    channel = slack.ims.get(user)
    return slack.messages(channel.id) if channel else []


def event_kinds(beacon: RunningBeacon) -> list[str]:
    with beacon.beacon.uow() as session:
        return list(session.scalars(select(IncidentEvent.kind).order_by(IncidentEvent.id)))
