"""Every bad `/incident` command gets an ephemeral explanation with usage; nothing is created."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.store.models import Incident, OutboxItem
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _nothing_created(beacon: RunningBeacon, slack: FakeSlack) -> None:
    with beacon.beacon.uow() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxItem)) == 0
    assert slack.calls_to("conversations.create") == []
    assert slack.calls_to("views.open") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("declar P2 Checkout down", "Did you mean `declare`"),
        ("frobnicate", "not an `/incident` command"),
        ("declare P9 Checkout down", "Unknown severity `P9`"),
        (
            "declare P2 Checkout down services: chekout",
            "Unknown service `chekout`. Did you mean `checkout`",
        ),
        (
            "declare P2 Checkout down accounts: acmee",
            "Unknown account `acmee`. Did you mean `acme`",
        ),
        ("declare P2 Checkout down service: checkout", "Did you mean `services:`"),
        ("declare P2 Checkout down services:", "`services:` is empty"),
        ("declare P2 Checkout down services: checkout services: search", "given twice"),
        ("declare P2 " + "very long title " * 10, "keep it under 120"),
        ("INC-3 list", "takes no `INC-3`"),
        ("subscribe acmee", "Did you mean `acme`"),
        ("update status: monitored all fine", "Unknown status `monitored`"),
    ],
)
def test_bad_command_explains_itself(
    beacon: RunningBeacon, slack: FakeSlack, text: str, expected: str
) -> None:
    response = beacon.command(text)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert expected in body["text"]
    assert "Usage" in body["text"] or "/incident help" in body["text"]
    verb = text.split()[0]
    if verb in ("subscribe", "update"):  # the usage shown is the verb's own
        assert f"Usage: `/incident {verb}" in body["text"]
    _nothing_created(beacon, slack)


def test_status_outside_an_incident_channel(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("status", channel="C0GENERAL")
    reply = eventually(lambda: slack.responses)
    assert "not an incident channel" in reply[-1]["text"]
    assert reply[-1]["response_type"] == "ephemeral"


def test_status_of_unknown_incident(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("INC-999 status")
    reply = eventually(lambda: slack.responses)
    assert "There is no INC-999" in reply[-1]["text"]


def test_help_lists_every_command(beacon: RunningBeacon) -> None:
    text = beacon.command("help").json()["text"]
    for verb in ("declare", "update", "resolve", "status", "list", "oncall", "stats"):
        assert f"/incident {verb}" in text


def test_every_documented_verb_has_a_handler(beacon: RunningBeacon) -> None:
    """`help` lists USAGE; each verb in it must do something (none is "not available" now)."""
    from app.domain.commands import USAGE
    from app.handlers.commands import IncidentCommand

    assert set(IncidentCommand(beacon.beacon).verbs) == set(USAGE)
