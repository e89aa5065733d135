"""Account threads open at declaration and their parent follows the incident (SPEC 5.4): a
liaison scanning #cs-incidents or the account's channel sees what is open, at what severity and
status, before any customer notice is approved."""

from __future__ import annotations

from functools import partial
from typing import Any

from tests.e2e.resolve.support import approve, declare, threads
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _parent(slack: FakeSlack, account: str) -> Any:
    return threads(slack).get(account)


def _parent_text(slack: FakeSlack, account: str) -> str:
    message = _parent(slack, account)
    return str(message.blocks) if message else ""


def _parent_says(slack: FakeSlack, account: str, *words: str) -> bool:
    return all(word in _parent_text(slack, account) for word in words)


def test_threads_open_at_declaration_and_follow_the_incident(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    beacon.command("subscribe acme", user="U0FAN")
    channel = declare(beacon, slack, "declare P3 Sign-in errors services: auth")
    # Sign-in is foundational: Acme (Tier 1) and Globex (Tier 2) are hurt through it. Their
    # threads are there before anyone approves anything; Initech's tier keeps no thread.
    opened = eventually(lambda: (t := threads(slack)) and len(t) == 2 and t)
    assert set(opened) == {"Acme Corp", "Globex"}
    assert opened["Acme Corp"].channel == slack.channel("acct-acme").id
    assert opened["Globex"].channel == slack.channel("cs-incidents").id
    acme = _parent_text(slack, "Acme Corp")
    for part in (
        "INC-1",
        "P2",
        "Investigating",
        "Sign-in errors",
        "Tier 1",
        "<@U0CS1>",
        "<@U0FAN>",
    ):
        assert part in acme, part
    assert "<@U0CS2>" in _parent_text(slack, "Globex")
    assert not any(message.replies for message in opened.values())

    beacon.command("severity P1 every login fails", user="U0IC", channel=channel.id)
    eventually(lambda: "P1 · Investigating" in _parent_text(slack, "Acme Corp"))
    beacon.command("update Keys rotated status: monitoring", user="U0IC", channel=channel.id)
    eventually(lambda: "P1 · Monitoring" in _parent_text(slack, "Globex"))

    approve(beacon, slack, channel, "Keys rotated")
    eventually(lambda: _parent(slack, "Acme Corp").replies)
    beacon.command(
        "resolve fix: rolled back residual_risk: none customer_steps: none",
        user="U0IC",
        channel=channel.id,
    )
    for account in ("Acme Corp", "Globex"):
        eventually(partial(_parent_says, slack, account, ":white_check_mark:", "Resolved"))
    # the parents were edited, never posted again
    assert len(threads(slack)) == 2
    assert sum("Affects *Acme Corp*" in str(m.blocks) for m in slack.messages("acct-acme")) == 1
