"""Telling the teams of services hurt only through a dependency (SPEC 5.2): one FYI DM each,
without an Acknowledge button or escalation, and a mention in the incident channel. They are
not paged, because the fault is not theirs to fix."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.people import mention
from app.outbox import keys
from app.outbox.kinds import Kind
from app.routing.targets import Routing
from app.store import incidents, outbox
from app.store.models import Incident, OutboxItem


def inform(
    session: Session,
    incident: Incident,
    routing: Routing,
    *,
    paged: set[str],
    now: datetime,
    after: OutboxItem | None = None,
) -> list[str]:
    """Enqueue each FYI once per person and incident; returns the channel notice's lines."""
    lines = []
    for target in routing.informed:
        if target.person in paged:
            continue
        key = keys.fyi(incident.id, target.person)
        if outbox.by_key(session, key) is not None:
            continue
        outbox.enqueue(
            session,
            key=key,
            kind=Kind.FYI_DM,
            now=now,
            payload={"person": target.person, "reasons": list(target.reasons)},
            incident_id=incident.id,
            after=after,
        )
        reasons = "; ".join(target.reasons)
        incidents.record(
            session,
            incident,
            at=now,
            actor=None,
            kind="informed",
            text=f"Told {mention(target.person)} ({reasons})",
            data={"person": target.person},
        )
        lines.append(f"• FYI {mention(target.person)}: {reasons}")
    return lines
