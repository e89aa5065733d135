"""App Home: what each viewer sees, republished through the outbox when it changes (SPEC 5.7)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from app.store import outbox, resolution
from app.store.models import Incident


def enqueue_home(session: Session, users: Iterable[str | None], *, key: str, now: datetime) -> None:
    for user in dict.fromkeys(u for u in users if u):
        outbox.enqueue(
            session, key=f"home:{user}:{key}", kind="publish_home", now=now, payload={"user": user}
        )


def enqueue_home_for_incident(
    session: Session, incident: Incident, *, key: str, now: datetime
) -> None:
    """An incident opened, changed state or closed: everyone who has looked at Home, and the
    incident's own people, get it republished."""
    people = [incident.commander, incident.comms_lead, incident.declared_by]
    viewers = [] if incident.private else resolution.home_viewers(session)
    enqueue_home(session, [*people, *viewers], key=f"incident:{incident.id}:{key}", now=now)
