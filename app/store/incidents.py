"""Incident queries and the timeline; callers own the session and commit.

Lock order: every transaction that changes an incident and its pages, timers or deliveries
locks the incident row first (a command with ``lock=True``, a timer firing, a delivery recording
what it did), so two of them wait for each other rather than deadlock, and read the latest
committed state. PostgreSQL only: SQLite runs one writer at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, insert, select, update
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


class OfIncident(Protocol):
    @property
    def incident_id(self) -> int: ...


def locked_for(session: Session, row: OfIncident) -> Incident:
    """The incident ``row`` belongs to, locked before ``row`` is changed (see above), and
    ``row`` read again under that lock."""
    incident = session.get_one(Incident, row.incident_id, with_for_update=True)
    session.refresh(row)
    return incident


def _found(session: Session, statement: Select[Incident], lock: bool) -> Incident | None:
    """``lock``: the row's lock, taken before any other row of the incident (see above)."""
    return session.scalar(statement.with_for_update() if lock else statement)


def by_number(session: Session, number: int, *, lock: bool = False) -> Incident | None:
    return _found(session, select(Incident).where(Incident.number == number), lock)


def by_channel(session: Session, channel_id: str, *, lock: bool = False) -> Incident | None:
    return _found(session, select(Incident).where(Incident.channel_id == channel_id), lock)


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
