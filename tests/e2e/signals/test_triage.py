"""A person decides a triage card (SPEC 5.8): Declare opens the form prefilled and the card says
which incident it became; Dismiss asks why and the card and audit log keep the reason."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from app.outbox.jobs import Job, Outcome, record_outcomes
from app.store.models import Incident, IncidentEvent, OutboxItem, Page
from app.store.signal_models import TriageCard
from tests.e2e.signals.conftest import alert, send, webhook
from tests.e2e.test_declare import _form
from tests.fakes.signing import view_submission_payload
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

SHOP_MANAGER = "U0SHOPMGR"
STRANGER = "U0OUTSIDER"
"""Nobody the configuration names: not on call, no manager, commander or approver."""


def _card_text(slack: FakeSlack) -> str:
    return "".join(str(m.blocks) for m in slack.messages("alerts"))


def test_declare_from_the_card(beacon: RunningBeacon, slack: FakeSlack) -> None:
    card = send(beacon, webhook(alert("p1", service="payments", severity="critical"))).json()
    (card_id,) = card["triage"]
    eventually(lambda: "Declare" in _card_text(slack))
    # Payments' manager, whom the configuration names by email
    beacon.click("signal_declare", str(card_id), user="U0DANA", channel="C0ALERTS")
    opened = eventually(lambda: slack.calls_to("views.open"))
    view = opened[0].args["view"]
    fields = {block["block_id"]: block for block in view["blocks"]}
    assert "HighLatency on payments" in fields["title"]["element"]["initial_value"]
    assert [o["value"] for o in fields["services"]["element"]["initial_options"]] == ["payments"]
    payload = view_submission_payload(
        callback_id="beacon.declare",
        user_id="U0DANA",
        view_id="V0SIGNAL1",
        state_values=_form(title="Payments slow", severity="P1", services=["payments"]),
    )
    payload["view"]["private_metadata"] = view["private_metadata"]
    assert json.loads(view["private_metadata"])["card"] == str(card_id)
    assert beacon.interact(payload).status_code == 200
    eventually(lambda: "declared as INC-1" in _card_text(slack), timeout=20)
    assert "Declare" not in _card_text(slack).replace("Declared", "")
    # the next signal on the service joins the incident, not a new card
    later = send(beacon, webhook(alert("p2", service="payments")))
    assert later.json()["incidents"] == ["INC-1"] and later.json()["triage"] == []


def test_dismiss_asks_why_and_is_audited(beacon: RunningBeacon, slack: FakeSlack) -> None:
    (card_id,) = send(beacon, webhook(alert("s1", service="search"))).json()["triage"]
    eventually(lambda: "Dismiss" in _card_text(slack))
    # the manager of Storefront, the team owning search
    beacon.click("signal_dismiss", str(card_id), user=SHOP_MANAGER, channel="C0ALERTS")
    opened = eventually(lambda: slack.calls_to("views.open"))
    view = opened[0].args["view"]
    assert view["callback_id"] == "beacon.signal_dismiss"
    empty = view_submission_payload(
        callback_id="beacon.signal_dismiss",
        user_id=SHOP_MANAGER,
        view_id="V0DISMISS",
        state_values={"reason": {"reason_input": {"type": "plain_text_input", "value": " "}}},
    )
    empty["view"]["private_metadata"] = view["private_metadata"]
    assert beacon.interact(empty).json()["response_action"] == "errors"
    payload = view_submission_payload(
        callback_id="beacon.signal_dismiss",
        user_id=SHOP_MANAGER,
        view_id="V0DISMISS",
        state_values={
            "reason": {"reason_input": {"type": "plain_text_input", "value": "load test"}}
        },
    )
    payload["view"]["private_metadata"] = view["private_metadata"]
    assert beacon.interact(payload).status_code == 200
    eventually(
        lambda: f"Dismissed by <@{SHOP_MANAGER}>: load test" in _card_text(slack), timeout=20
    )
    with beacon.beacon.uow() as session:
        kinds = session.scalars(select(IncidentEvent.kind)).all()
        events = session.scalars(
            select(IncidentEvent).where(IncidentEvent.kind == "signal_dismissed")
        ).all()
    assert "signal_dismissed" in kinds and events[0].actor == SHOP_MANAGER


def _state(beacon: RunningBeacon, card_id: int) -> str:
    with beacon.beacon.uow() as session:
        return session.get_one(TriageCard, card_id).state


def _told(slack: FakeSlack, user: str) -> str:
    """Every private answer ``user`` got: through a response_url, ephemeral, or in a DM."""
    ephemeral = [c.args.get("text", "") for c in slack.calls_to("chat.postEphemeral")]
    im = slack.ims.get(user)
    direct = [m.text for m in slack.messages(im.id)] if im else []
    return " ".join(
        str(t) for t in [*(r.get("text", "") for r in slack.responses), *ephemeral, *direct]
    )


def test_a_stranger_can_neither_dismiss_nor_declare_a_card(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    (card_id,) = send(beacon, webhook(alert("x1", service="search"))).json()["triage"]
    eventually(lambda: "Dismiss" in _card_text(slack))
    shown = _card_text(slack)
    beacon.click("signal_dismiss", str(card_id), user=STRANGER, channel="C0ALERTS")
    refusal = eventually(lambda: "Only " in _told(slack, STRANGER) and _told(slack, STRANGER))
    assert "may dismiss the triage card on Product search" in refusal
    assert "the on-call rotation or manager of Product search's team" in refusal
    assert "a commander or an approver" in refusal
    assert not slack.calls_to("views.open")  # no reason form for a stranger
    # the reason form replayed by the stranger (its metadata copied from someone else's) is
    # refused on the server too
    forged = view_submission_payload(
        callback_id="beacon.signal_dismiss",
        user_id=STRANGER,
        view_id="V0FORGED",
        state_values={"reason": {"reason_input": {"type": "plain_text_input", "value": "noise"}}},
    )
    forged["view"]["private_metadata"] = f"{card_id}:C0ALERTS"
    assert beacon.interact(forged).status_code == 200
    eventually(lambda: _told(slack, STRANGER).count("may dismiss the triage card") == 2)
    beacon.click("signal_declare", str(card_id), user=STRANGER, channel="C0ALERTS")
    eventually(lambda: "may declare the triage card on Product search" in _told(slack, STRANGER))
    declaring = view_submission_payload(
        callback_id="beacon.declare",
        user_id=STRANGER,
        view_id="V0FORGED2",
        state_values=_form(title="Search down", severity="P3", services=["search"]),
    )
    declaring["view"]["private_metadata"] = json.dumps(
        {"channel": "C0ALERTS", "card": str(card_id)}
    )
    assert beacon.interact(declaring).status_code == 200
    eventually(lambda: _told(slack, STRANGER).count("may declare the triage card") == 2)
    assert not slack.calls_to("views.open")
    assert _state(beacon, card_id) == "open"
    assert _card_text(slack) == shown and "Dismissed" not in shown
    with beacon.beacon.uow() as session:
        assert session.scalars(select(Incident)).all() == []
        refused = session.scalars(
            select(IncidentEvent).where(IncidentEvent.kind == "refused")
        ).all()
    assert [e.actor for e in refused] == [STRANGER] * 4
    assert all(e.data["card"] == card_id for e in refused)
    # the card's team still decides it
    beacon.click("signal_dismiss", str(card_id), user=SHOP_MANAGER, channel="C0ALERTS")
    eventually(lambda: slack.calls_to("views.open"))


def test_first_responder_to_acknowledge_commands_an_auto_declared_incident(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    auto = send(beacon, webhook(alert("k1", service="checkout", alertname="CheckoutDown")))
    assert auto.json()["incidents"] == ["INC-1"]
    with beacon.beacon.uow() as session:
        incident = session.scalars(select(Incident)).one()
        provisional = incident.commander
    assert provisional != "U0SHOPMGR"
    eventually(lambda: slack.calls_to("chat.postMessage"))
    beacon.command("INC-1 ack", user="U0SHOPMGR")

    def commander() -> str:
        with beacon.beacon.uow() as session:
            return session.scalars(select(Incident.commander)).one()

    eventually(lambda: commander() == "U0SHOPMGR")
    beacon.command("INC-1 ack", user=provisional)
    eventually(lambda: slack.calls_to("chat.postEphemeral") or slack.calls_to("chat.postMessage"))
    assert commander() == "U0SHOPMGR"
    eventually(
        lambda: (
            "acknowledged first and is now incident commander"
            in str(slack.calls_to("chat.postMessage"))
        ),
        timeout=20,
    )


def _all_delivered(beacon: RunningBeacon) -> bool:
    with beacon.beacon.uow() as session:
        return not session.scalar(select(OutboxItem.id).where(OutboxItem.state == "pending"))


def _waiting_on_a_lock(beacon: RunningBeacon) -> bool:
    with beacon.beacon.uow() as session:
        waiting = session.scalar(
            text(
                "select count(*) from pg_stat_activity"
                " where datname = current_database() and wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


def test_an_acknowledgement_waits_for_a_delivery_being_recorded_instead_of_deadlocking(
    beacon: RunningBeacon, slack: FakeSlack, database_url: str
) -> None:
    """A delivery batch records an incident's columns, then a page's (``record_outcomes``); an
    acknowledgement that took the page first and then the incident (to hand it command) would
    deadlock with it, and one of the two would be lost."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises every writer with BEGIN IMMEDIATE: no deadlock")
    send(beacon, webhook(alert("k1", service="checkout", alertname="CheckoutDown")))
    eventually(lambda: _all_delivered(beacon), timeout=20)
    with beacon.beacon.uow() as session:
        incident = session.scalars(select(Incident)).one()
        page = session.scalars(select(Page).where(Page.person == SHOP_MANAGER)).one()
        job = Job(
            id=0, key="", kind="", payload={}, incident_id=incident.id, attempts=0, parent=None
        )
        paged = replace(job, payload={"page_id": page.id})
        record_outcomes(session, [(job, Outcome({}, incident={"channel_name": "inc-1-held"}))])
        beacon.command("INC-1 ack", user=SHOP_MANAGER)
        eventually(lambda: _waiting_on_a_lock(beacon))
        record_outcomes(session, [(paged, Outcome({}, page={"user_id": SHOP_MANAGER}))])
        session.commit()
    with beacon.beacon.uow() as session:
        eventually(lambda: session.scalar(select(Incident.commander)) == SHOP_MANAGER)
        assert session.scalar(select(Incident.channel_name)) == "inc-1-held"
        acked = session.scalars(select(Page).where(Page.person == SHOP_MANAGER)).one()
        assert acked.acked_by == SHOP_MANAGER and acked.user_id == SHOP_MANAGER
