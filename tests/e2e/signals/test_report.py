"""`/incident report ACCOUNT text [services: …]` (SPEC 4, 5.8): a customer signal on the named
services or the account's own, shown with account, tier and liaison."""

from __future__ import annotations

from sqlalchemy import func, select

from app.store.signal_models import SignalRecord, TriageCard
from tests.e2e.signals.conftest import alert, send, webhook
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _count(app: RunningBeacon, model: type) -> int:
    with app.beacon.uow() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_report_defaults_to_the_accounts_services(beacon: RunningBeacon, slack: FakeSlack) -> None:
    beacon.command("report acme Exports & checkout fail for EU users")
    eventually(lambda: "Acme Corp (Tier 1, liaison <@U0CS1>)" in str(slack.messages("alerts")))
    with beacon.beacon.uow() as session:
        services = sorted(session.scalars(select(SignalRecord.service)))
    assert services == ["checkout", "payments"]  # acme uses both; payments is the likely cause
    assert _count(beacon, TriageCard) == 1
    assert "Exports &amp; checkout fail" in str(slack.messages("alerts"))
    reply = eventually(lambda: [r["text"] for r in slack.responses if "Recorded" in r["text"]])
    assert "Acme Corp's report (Tier 1, liaison <@U0CS1>)" in reply[0]


def test_a_report_on_a_service_in_an_incident_joins_it(beacon: RunningBeacon) -> None:
    send(beacon, webhook(alert("k1", service="checkout", alertname="CheckoutDown")))
    beacon.command("report globex Checkout is down for them services: checkout")

    def joined() -> int | None:
        # A transaction per look: one held across the wait would hold SQLite's write lock
        # (BEGIN IMMEDIATE) and keep the report from ever being stored.
        with beacon.beacon.uow.read() as session:
            return session.scalar(
                select(SignalRecord.incident_id).where(SignalRecord.account == "globex")
            )

    eventually(joined)


def test_report_mistakes_are_answered_and_record_nothing(beacon: RunningBeacon) -> None:
    response = beacon.command("report acmee it is broken")
    assert "Did you mean `acme`" in beacon.replies_to(response)
    response = beacon.command("report acme")
    assert "Name the account" in beacon.replies_to(response)
    assert _count(beacon, TriageCard) == 0
