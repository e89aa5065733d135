"""An incident Beacon declared from signals has a provisional commander (the on-call of the
service's team) until the first responder acknowledges: that person is its IC (SPEC 5.8)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.people import mention
from app.outbox.enqueue import enqueue_refresh, notice
from app.store import incidents
from app.store.models import Incident, IncidentEvent, Page

PROVISIONAL = "provisional_commander"
"""Key, in the ``signal_declared`` event's data, of who commands until a responder acks."""


def first_ack(session: Session, incident: Incident, pages: list[Page], now: datetime) -> None:
    """Hands command to the acknowledging responder, once, if Beacon declared the incident."""
    responders = [page for page in pages if page.stops_escalation]
    if not responders:
        return
    declared = session.scalar(
        select(IncidentEvent).where(
            IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "signal_declared"
        )
    )
    if declared is None or declared.actor is not None or PROVISIONAL not in declared.data:
        return
    handed = session.scalar(
        select(IncidentEvent.id).where(
            IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "signal_commander"
        )
    )
    if handed is not None:
        return
    user = responders[0].acked_by or responders[0].person
    changed = incident.commander != user
    incident.commander = user
    text = f"{mention(user)} acknowledged first and is now incident commander of {incident.ref}"
    event = incidents.record(
        session, incident, at=now, actor=user, kind="signal_commander", text=text
    )
    session.flush()
    if not changed:
        return
    notice(session, incident, f":bust_in_silhouette: {text}.", key=f"assign:{event.id}", now=now)
    enqueue_refresh(session, incident, key=f"event:{event.id}", now=now)
