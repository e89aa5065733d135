"""Decision rights (SPEC 5.10), tried as an outsider would: over signed HTTP, from #general,
by people the configuration names by email, and by a senior responder taking command."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from app.slack.ids import CHECKLIST_TICK, DRAFT_APPROVE
from app.store.models import Incident, Mitigation, Page, StatusUpdate
from tests.e2e.rights.support import (
    CHANNEL,
    GENERAL,
    OUTSIDER,
    declare,
    dms,
    event_kinds,
    initial_card,
    on_call,
    replies,
)
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

ATTEMPTS = [
    "INC-1 assign commander @U0OUTSIDER",
    "INC-1 assign commander me",
    "INC-1 assign comms me",
    "INC-1 severity P1 it is worse than you think",
    "INC-1 page @U0OUTSIDER",
    "INC-1 escalate",
    "INC-1 update all good now status: monitoring",
    "INC-1 resolve fix: nothing",
    "INC-1 mitigate switch payments off",
]


def _incident(beacon: RunningBeacon) -> Incident:
    with beacon.beacon.uow() as session:
        incident = session.scalars(select(Incident)).one()
        session.expunge(incident)
        return incident


def test_an_outsider_in_general_changes_nothing(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = declare(beacon, slack)
    card = initial_card(slack, channel.id)
    for text in ATTEMPTS:
        beacon.command(text, user=OUTSIDER, channel=GENERAL)
    beacon.click(DRAFT_APPROVE, card, user=OUTSIDER, channel=GENERAL)
    refusals = eventually(
        lambda: (r := [t for t in replies(slack) if "Only " in t]) and len(r) == 10 and r
    )
    assert sum("a commander or an approver may name the incident commander" in r for r in refusals)
    assert sum("may name the comms lead of INC-1" in r for r in refusals) == 1
    assert sum("or an approver may approve customer updates for INC-1" in r for r in refusals)
    from_elsewhere = [r for r in refusals if "from elsewhere its responders" in r]
    assert len(from_elsewhere) == 6  # severity, page, escalate, update, resolve, mitigate
    assert not any("is now incident commander" in t for t in replies(slack))

    time.sleep(0.3)
    incident = _incident(beacon)
    assert (incident.commander, incident.comms_lead) == ("U0IC", None)
    assert (incident.severity, incident.status, incident.escalation_level) == (
        "P2",
        "investigating",
        0,
    )
    kinds = event_kinds(beacon)
    assert kinds.count("refused") == 9 and kinds.count("approval_refused") == 1
    with beacon.beacon.uow() as session:
        assert session.scalars(select(Page).where(Page.person == OUTSIDER)).all() == []
        assert session.scalars(select(Mitigation)).all() == []
        drafts = session.scalars(select(StatusUpdate)).all()
    assert [(d.kind, d.state) for d in drafts] == [("initial", "pending")]
    assert not any(m.replies for m in slack.messages("acct-acme"))  # nothing sent to customers


def test_anyone_in_the_channel_and_the_paged_from_elsewhere_may_act(
    beacon: RunningBeacon, slack: FakeSlack, config_dir: Path
) -> None:
    channel = declare(beacon, slack)
    beacon.command("update Cards fail for some EU users", user=OUTSIDER, channel=channel.id)
    oncall = on_call(config_dir, "payments")
    eventually(lambda: dms(slack, oncall))
    beacon.command("INC-1 update We rolled the deploy back status: identified", user=oncall)
    eventually(lambda: _incident(beacon).status == "identified")
    assert "refused" not in event_kinds(beacon)


def test_a_commander_takes_over_and_approves(
    beacon: RunningBeacon, slack: FakeSlack, config_dir: Path
) -> None:
    channel = declare(beacon, slack)
    card = initial_card(slack, channel.id)
    # anyone in the incident-command rotation, on call or not, may take command from anywhere
    senior = next(p for p in ("U0CMD1", "U0CMD2") if p != on_call(config_dir, "incident-command"))
    beacon.command("INC-1 assign commander me", user=senior, channel=GENERAL)
    eventually(lambda: f"IC <@{senior}>" in slack.channel(CHANNEL).topic)
    assert any(f"<@{senior}> is now incident commander" in t for t in replies(slack))
    beacon.click(DRAFT_APPROVE, card, user="U0IC", channel=channel.id)  # no longer the IC
    eventually(lambda: any("Only the incident commander (<@U0CMD" in t for t in replies(slack)))
    beacon.click(DRAFT_APPROVE, card, user=senior, channel=channel.id)
    eventually(lambda: any(m.replies for m in slack.messages("acct-acme")))


def test_people_named_by_email_approve_and_tick(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = declare(beacon, slack)
    beacon.click(DRAFT_APPROVE, initial_card(slack, channel.id), user="U0ERIN", channel=GENERAL)
    eventually(lambda: any(m.replies for m in slack.messages("acct-acme")))
    beacon.command("resolve fix: rolled back 4512", user="U0IC", channel=channel.id)
    acme = eventually(
        lambda: [m for m in slack.messages("acct-acme") if "Affects *Acme Corp*" in str(m.blocks)]
    )[0]

    def tick(item: str) -> str:
        for reply in slack.thread(acme.channel, acme.ts):
            for value in buttons_of(reply):
                if value.endswith(f":{item}"):
                    return value
        return ""

    beacon.command("subscribe acme", user="U0FAN")
    beacon.click(CHECKLIST_TICK, eventually(lambda: tick("restoration")), user="U0FAN")
    eventually(lambda: any("Only Acme Corp's liaison (<@U0CARA>)" in t for t in replies(slack)))
    beacon.click(CHECKLIST_TICK, tick("restoration"), user="U0CARA")
    eventually(
        lambda: any(
            "<@U0CARA>" in str(r.blocks) and "Recovery checklist" in str(r.text)
            for r in slack.thread(acme.channel, acme.ts)
        )
    )
    kinds = event_kinds(beacon)
    assert kinds.count("checklist_ticked") == 1 and kinds.count("checklist_refused") == 1
    assert "approval_refused" not in kinds


def buttons_of(message: object) -> list[str]:
    values = []
    for block in getattr(message, "blocks", None) or []:
        for element in block.get("elements", []) + (
            [block["accessory"]] if block.get("accessory") else []
        ):
            if isinstance(element, dict) and element.get("action_id") == CHECKLIST_TICK:
                values.append(str(element["value"]))
    return values


def test_one_person_named_by_email_and_by_id_is_paged_once(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    declare(beacon, slack)
    eventually(lambda: dms(slack, "U0DANA"))
    time.sleep(0.5)
    (page,) = dms(slack, "U0DANA")
    assert "manager of Payments" in str(page.blocks) and "P2 page list" in str(page.blocks)
    with beacon.beacon.uow() as session:
        rows = session.scalars(select(Page).where(Page.user_id == "U0DANA")).all()
        assert [(p.person, p.user_id) for p in rows] == [("U0DANA", "U0DANA")]
        assert session.scalars(select(Page).where(Page.person == "dana@example.com")).all() == []
