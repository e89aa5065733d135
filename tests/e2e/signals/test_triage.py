"""A person decides a triage card (SPEC 5.8): Declare opens the form prefilled and the card says
which incident it became; Dismiss asks why and the card and audit log keep the reason."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.store.models import Incident, IncidentEvent
from tests.e2e.signals.conftest import alert, send, webhook
from tests.e2e.test_declare import _form
from tests.fakes.signing import view_submission_payload
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _card_text(slack: FakeSlack) -> str:
    return "".join(str(m.blocks) for m in slack.messages("alerts"))


def test_declare_from_the_card(beacon: RunningBeacon, slack: FakeSlack) -> None:
    card = send(beacon, webhook(alert("p1", service="payments", severity="critical"))).json()
    (card_id,) = card["triage"]
    eventually(lambda: "Declare" in _card_text(slack))
    beacon.click("signal_declare", str(card_id), user="U0RESP2", channel="C0ALERTS")
    opened = eventually(lambda: slack.calls_to("views.open"))
    view = opened[0].args["view"]
    fields = {block["block_id"]: block for block in view["blocks"]}
    assert "HighLatency on payments" in fields["title"]["element"]["initial_value"]
    assert [o["value"] for o in fields["services"]["element"]["initial_options"]] == ["payments"]
    payload = view_submission_payload(
        callback_id="beacon.declare",
        user_id="U0RESP2",
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
    beacon.click("signal_dismiss", str(card_id), user="U0RESP1", channel="C0ALERTS")
    opened = eventually(lambda: slack.calls_to("views.open"))
    view = opened[0].args["view"]
    assert view["callback_id"] == "beacon.signal_dismiss"
    empty = view_submission_payload(
        callback_id="beacon.signal_dismiss",
        user_id="U0RESP1",
        view_id="V0DISMISS",
        state_values={"reason": {"reason_input": {"type": "plain_text_input", "value": " "}}},
    )
    empty["view"]["private_metadata"] = view["private_metadata"]
    assert beacon.interact(empty).json()["response_action"] == "errors"
    payload = view_submission_payload(
        callback_id="beacon.signal_dismiss",
        user_id="U0RESP1",
        view_id="V0DISMISS",
        state_values={
            "reason": {"reason_input": {"type": "plain_text_input", "value": "load test"}}
        },
    )
    payload["view"]["private_metadata"] = view["private_metadata"]
    assert beacon.interact(payload).status_code == 200
    eventually(lambda: "Dismissed by <@U0RESP1>: load test" in _card_text(slack), timeout=20)
    with beacon.beacon.uow() as session:
        kinds = session.scalars(select(IncidentEvent.kind)).all()
        events = session.scalars(
            select(IncidentEvent).where(IncidentEvent.kind == "signal_dismissed")
        ).all()
    assert "signal_dismissed" in kinds and events[0].actor == "U0RESP1"


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
