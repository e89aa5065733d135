"""Incident queries and the timeline; callers own the session and commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.store.models import Counter, Incident, IncidentEvent


def next_number(session: Session) -> int:
    """Atomic across processes: the UPDATE holds the counter row's lock until commit."""
    statement = (
        update(Counter)
        .where(Counter.name == "incident")
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
    return int(session.execute(statement).scalar_one())


def by_number(session: Session, number: int) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.number == number))


def by_channel(session: Session, channel_id: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.channel_id == channel_id))


def by_request_key(session: Session, key: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.request_key == key))


def open_incidents(session: Session) -> list[Incident]:
    statement = select(Incident).where(Incident.status != "resolved").order_by(Incident.number)
    return list(session.scalars(statement))


def record(
    session: Session,
    incident: Incident | None,
    *,
    at: datetime,
    actor: str | None,
    kind: str,
    data: dict[str, Any] | None = None,
) -> IncidentEvent:
    """An event is what happened (``kind``) and what to say it with (``data``: plain JSON
    values, typed text unescaped); app/wording says it, in Slack and in the review."""
    event = IncidentEvent(
        incident_id=incident.id if incident else None,
        at=at,
        actor=actor,
        kind=kind,
        data=data or {},
    )
    session.add(event)
    return event


def record_all(
    session: Session,
    incident: Incident,
    *,
    at: datetime,
    actor: str | None,
    kind: str,
    data: list[dict[str, Any]],
) -> None:
    """Events of one ``kind``, one per ``data``, in one INSERT (``record`` adds them to the
    session, whose flush sends one INSERT per event to learn each id)."""
    if data:
        rows = [
            {"incident_id": incident.id, "at": at, "actor": actor, "kind": kind, "data": each}
            for each in data
        ]
        session.execute(insert(IncidentEvent), rows)
