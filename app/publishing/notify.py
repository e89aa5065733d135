"""Who gets an approved notice by email: the contacts of each affected account whose tier has
``email: true``, enqueued in the approval's transaction.

One outbox item per (notice, address): its key makes a second click, a retried request or a
crash enqueue nothing new, and the dispatcher's lease delivers each item once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from app.catalog.models import Catalog
from app.outbox import keys
from app.outbox.kinds import Kind
from app.store import outbox
from app.store.models import Incident, StatusUpdate


def recipients(catalog: Catalog, incident: Incident) -> dict[str, str]:
    """Address → the (first) affected account it belongs to; one message per address."""
    if catalog.policy.email is None or incident.private or incident.drill:
        return {}
    if not incident.customer_visible:
        return {}
    found: dict[str, str] = {}
    for account_id, tier in (incident.impact or {}).get("accounts", []):
        account = catalog.accounts.get(account_id)
        if account is None or not catalog.policy.tier_rule(int(tier)).email:
            continue
        for address in account.contacts:
            found.setdefault(address.lower(), account_id)
    return found


def enqueue_emails(
    session: Session, catalog: Catalog, incident: Incident, draft: StatusUpdate, now: datetime
) -> None:
    """A message waits for the incident's previous one to the same address while that one is
    not delivered yet: a customer reads "Resolved" after the disruption it resolves, not
    before it."""
    waiting = {  # the latest undelivered earlier email to each address, found in one query
        item.payload["address"]: item
        for item in outbox.pending_of(session, incident.id, Kind.EMAIL_NOTICE)
        if item.payload["update_id"] < draft.id
    }
    for address, account_id in recipients(catalog, incident).items():
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        outbox.enqueue(
            session,
            key=keys.email(draft.id, digest),
            kind=Kind.EMAIL_NOTICE,
            now=now,
            incident_id=incident.id,
            payload={"update_id": draft.id, "account": account_id, "address": address},
            after=waiting.get(address),
        )
