"""Checklist ticks, handled Slack events and App Home viewers; callers own the session."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.store.models import AccountThread, ChecklistTick, HomeViewer, SlackEvent


def threads_of(session: Session, incident_id: int) -> list[AccountThread]:
    statement = select(AccountThread).where(AccountThread.incident_id == incident_id)
    return list(session.scalars(statement.order_by(AccountThread.id)))


def ticks_of(session: Session, thread_id: int) -> list[ChecklistTick]:
    statement = select(ChecklistTick).where(ChecklistTick.thread_id == thread_id)
    return list(session.scalars(statement.order_by(ChecklistTick.id)))


def ticks_of_incident(session: Session, incident_id: int) -> list[ChecklistTick]:
    statement = select(ChecklistTick).where(ChecklistTick.incident_id == incident_id)
    return list(session.scalars(statement.order_by(ChecklistTick.id)))


def tick(
    session: Session, *, incident_id: int, thread_id: int, item: str, by: str, at: datetime
) -> ChecklistTick | None:
    """The new tick, or None when the item was already ticked (by anyone, even concurrently)."""
    existing = session.scalar(
        select(ChecklistTick).where(
            ChecklistTick.thread_id == thread_id, ChecklistTick.item == item
        )
    )
    if existing is not None:
        return None
    row = ChecklistTick(
        incident_id=incident_id, thread_id=thread_id, item=item, ticked_by=by, ticked_at=at
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


EVENT_MEMORY = timedelta(days=1)
"""Slack stops retrying an event within minutes; ids older than this are forgotten."""


def first_sight(session: Session, event_id: str, kind: str, now: datetime) -> bool:
    """True the first time Slack's ``event_id`` is seen; its retries get False."""
    session.execute(delete(SlackEvent).where(SlackEvent.received_at < now - EVENT_MEMORY))
    if session.get(SlackEvent, event_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SlackEvent(event_id=event_id, kind=kind, received_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def saw_home(session: Session, user: str, now: datetime) -> None:
    viewer = session.get(HomeViewer, user)
    if viewer is None:
        session.add(HomeViewer(user_id=user, opened_at=now))
    else:
        viewer.opened_at = now


def home_viewers(session: Session) -> list[str]:
    return list(session.scalars(select(HomeViewer.user_id).order_by(HomeViewer.user_id)))
