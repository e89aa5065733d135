"""Keeping every view of an incident current after a change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.services.paging import enqueue
from app.store.models import Incident


def enqueue_refresh(session: Session, incident: Incident, *, key: str, now: datetime) -> None:
    """After a change the channel topic, the pinned brief and the announcement show it."""
    for kind in ("set_topic", "refresh_brief", "refresh_announcement"):
        enqueue(session, incident, kind, f"incident:{incident.id}:{kind}:{key}", now=now)
