"""Republishing App Homes through the outbox: one ``publish_home`` item per viewer and change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from app.services.lookup import people_of
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
    viewers = resolution.home_viewers(session)
    if incident.private:
        viewers = [v for v in viewers if v in people_of(incident)]
    enqueue_home(session, viewers, key=f"incident:{incident.id}:{key}", now=now)
