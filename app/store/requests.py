"""Signed Slack requests already seen, so that a replay within Slack's five-minute window has no
effect (SPEC 6). Kept beside the Events API's ``event_id``s, in the same table."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.store.models import SlackEvent

KIND = "request"
REQUEST_MEMORY = timedelta(minutes=10)
"""Twice the five minutes a signature is accepted for (slack/FACTS.md section 3): an older
replay fails verification anyway, so the table holds only the last few minutes' requests."""


def first_request(session: Session, key: str, now: datetime) -> bool:
    """True the first time ``key`` is stored; False for a replay, also one racing the first."""
    session.execute(
        delete(SlackEvent).where(
            SlackEvent.kind == KIND, SlackEvent.received_at < now - REQUEST_MEMORY
        )
    )
    try:
        with session.begin_nested():
            session.add(SlackEvent(event_id=key, kind=KIND, received_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def first_requests(session: Session, keys: list[str], now: datetime) -> set[str]:
    """The keys stored now for the first time: :func:`first_request` for a batch of requests
    that arrived together, in one transaction (a burst of commands would otherwise queue one
    write transaction per request before any is answered)."""
    session.execute(
        delete(SlackEvent).where(
            SlackEvent.kind == KIND, SlackEvent.received_at < now - REQUEST_MEMORY
        )
    )
    wanted = list(dict.fromkeys(keys))
    seen = set(session.scalars(select(SlackEvent.event_id).where(SlackEvent.event_id.in_(wanted))))
    fresh = [key for key in wanted if key not in seen]
    if not fresh:
        return set()
    try:
        with session.begin_nested():
            rows = [{"event_id": key, "kind": KIND, "received_at": now} for key in fresh]
            session.execute(insert(SlackEvent), rows)
    except IntegrityError:  # another process stored one of them meanwhile: key by key
        return {key for key in fresh if first_request(session, key, now)}
    return set(fresh)


def recent_requests(session: Session, now: datetime) -> list[str]:
    """The keys of the requests stored in the last ``REQUEST_MEMORY``, oldest first."""
    return list(
        session.scalars(
            select(SlackEvent.event_id)
            .where(SlackEvent.kind == KIND, SlackEvent.received_at >= now - REQUEST_MEMORY)
            .order_by(SlackEvent.received_at)
        )
    )
