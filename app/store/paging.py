"""Pages and durable timers; callers own the session and commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.store.models import Page, Timer


def pages_of(session: Session, incident_id: int) -> list[Page]:
    statement = select(Page).where(Page.incident_id == incident_id).order_by(Page.id)
    return list(session.scalars(statement))


def add_pages(session: Session, rows: list[dict[str, Any]]) -> list[Page]:
    """Store pages (column values, one person each), in one INSERT: a flush of new rows would
    send one per page to learn each id. In the order of ``rows``."""
    if not rows:
        return []
    stored = {page.person: page for page in session.scalars(insert(Page).returning(Page), rows)}
    return [stored[row["person"]] for row in rows]


def open_pages_of(session: Session, user: str) -> list[Page]:
    """Unacknowledged pages addressed to ``user`` (by id, or by the email it resolved from)."""
    statement = select(Page).where(
        Page.acked_at.is_(None), (Page.user_id == user) | (Page.person == user)
    )
    return list(session.scalars(statement.order_by(Page.id)))


def schedule(
    session: Session,
    *,
    incident_id: int,
    due: Mapping[str, datetime],
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """A timer of each kind in ``due``, due at its time, in one statement (a flush of new rows,
    or an INSERT returning their ids, sends one per row on SQLite)."""
    rows = [
        {
            "incident_id": incident_id,
            "kind": kind,
            "due_at": due_at,
            "state": "pending",
            "data": data or {},
            "created_at": now,
        }
        for kind, due_at in due.items()
    ]
    if rows:
        session.execute(insert(Timer), rows)


def pending(session: Session, incident_id: int, kind: str) -> list[Timer]:
    statement = select(Timer).where(
        Timer.incident_id == incident_id, Timer.kind == kind, Timer.state == "pending"
    )
    return list(session.scalars(statement.order_by(Timer.due_at)))


def cancel(session: Session, incident_id: int, *kinds: str) -> int:
    """Cancel the incident's pending timers of ``kinds``; how many there were."""
    result = session.execute(
        update(Timer)
        .where(Timer.incident_id == incident_id, Timer.kind.in_(kinds), Timer.state == "pending")
        .values(state="cancelled")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def due(session: Session, now: datetime, limit: int = 100) -> list[tuple[int, int]]:
    """The due timers' ids, each with its incident's: a timer is claimed once that incident is
    locked (``app.store.incidents`` says why)."""
    statement = (
        select(Timer.id, Timer.incident_id)
        .where(Timer.state == "pending", Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
    )
    return [(timer_id, incident_id) for timer_id, incident_id in session.execute(statement)]


def claim(session: Session, timer_id: int, now: datetime) -> Timer | None:
    """Flip the timer to fired; only one transaction can, so only one caller gets it back."""
    claimed = session.execute(
        update(Timer)
        .where(Timer.id == timer_id, Timer.state == "pending")
        .values(state="fired", fired_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(Timer, timer_id)
