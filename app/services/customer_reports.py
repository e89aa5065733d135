"""``/incident report``: a CS person's account of a customer problem, in as signals (SPEC 5.8)."""

from __future__ import annotations

from app.domain.reports import Report
from app.domain.text import escape
from app.services.signal_intake import SignalIntake
from app.signals.model import CUSTOMER, Signal


def report(intake: SignalIntake, given: Report, *, user: str, request_key: str) -> str:
    """One signal per service, each its own (a second report is a second voice, not a
    duplicate); what happened, for the reporter."""
    catalog = intake.ctx.catalog
    account = catalog.accounts[given.account]
    batch = [
        Signal(
            source=CUSTOMER,
            identity=f"{CUSTOMER}:{request_key}:{service}",
            status="firing",
            service=service,
            summary=f"{account.name}: {given.text}",
            labels={"account": given.account, "reported_by": user},
            account=given.account,
        )
        for service in given.services
    ]
    receipt = intake.receive(batch)
    tier = intake.ctx.routing().accounts.tier_of(account.id)
    liaison = f", liaison <@{account.liaison}>" if account.liaison else ""
    names = ", ".join(catalog.services[s].name for s in given.services)
    where = (
        f"on {', '.join(dict.fromkeys(receipt.incidents))}"
        if receipt.incidents
        else "on the triage card"
    )
    return (
        f":speech_balloon: Recorded {escape(account.name)}'s report (Tier {tier}{liaison}) "
        f"about {escape(names)} {where}."
    )
