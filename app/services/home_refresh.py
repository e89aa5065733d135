"""Republishing App Homes through the outbox: at most one waiting ``publish_home`` per viewer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.outbox import keys
from app.outbox.kinds import Kind
from app.services.lookup import people_of
from app.store import outbox, resolution
from app.store.models import Incident

DEBOUNCE = timedelta(seconds=2)
"""Home publishes wait this long: the pages of the change that caused them go first, and
changes in quick succession (a declaration, its pages, an ack) make one publish per viewer."""


def enqueue_home(session: Session, users: Iterable[str | None], *, key: str, now: datetime) -> None:
    """Coalesced per viewer: one waiting publish is enough, as it renders the Home from the data
    of the moment it is delivered (last state wins). views.publish is Tier 4 (100 a minute), so
    a publish per viewer and change would queue for minutes behind each declaration."""
    waiting = outbox.waiting_payloads(session, kind=Kind.PUBLISH_HOME, now=now)
    queued = {str(payload.get("user")) for payload in waiting}
    fresh = dict.fromkeys(u for u in users if u and u not in queued)
    payloads = {keys.home(user, key): {"user": user} for user in fresh}
    outbox.enqueue_many(session, Kind.PUBLISH_HOME, payloads, now=now, delay=DEBOUNCE)


def enqueue_home_for_incident(
    session: Session, incident: Incident, *, key: str, now: datetime, paged: Iterable[str] = ()
) -> None:
    """The Homes of everyone who sees the incident, and of the people ``paged`` for it."""
    viewers = resolution.home_viewers(session)
    if incident.private:
        viewers = [v for v in viewers if v in people_of(incident)]
    enqueue_home(session, [*paged, *viewers], key=f"incident:{incident.id}:{key}", now=now)
