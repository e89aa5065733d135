"""Enqueueing an incident's side effects in the transaction of the change that causes them:
keyed (so a repeat is a no-op), ordered (``after``) and prioritised, for every service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.outbox import keys
from app.outbox.jobs import Job
from app.outbox.kinds import REFRESHES, Kind
from app.store import outbox
from app.store.models import Incident, OutboxItem
from app.wording import notices


def enqueue(
    session: Session,
    incident: Incident,
    kind: Kind,
    key: str,
    *,
    now: datetime,
    after: OutboxItem | None = None,
    priority: int = 0,
    **payload: object,
) -> OutboxItem:
    return outbox.enqueue(
        session,
        key=key,
        kind=kind,
        now=now,
        payload=dict(payload),
        incident_id=incident.id,
        after=after,
        priority=priority,
    )


def channel_item(session: Session, incident: Incident) -> OutboxItem | None:
    """The pending creation of the incident's channel, if it has none yet."""
    if incident.channel_id:
        return None
    item = outbox.by_key(session, keys.create_channel(incident.id))
    return item if item is not None and item.state == "pending" else None


def notice(
    session: Session,
    incident: Incident,
    text: str,
    *,
    key: str,
    now: datetime,
    after: OutboxItem | None = None,
) -> None:
    """A message in the incident channel (it waits for the channel if that is not made yet);
    ``key`` names the change it reports."""
    enqueue(
        session,
        incident,
        Kind.POST_NOTICE,
        keys.notice(incident.id, key),
        now=now,
        after=after,
        text=text,
    )


def enqueue_refresh(session: Session, incident: Incident, *, key: str, now: datetime) -> None:
    """After a change the channel topic, the pinned brief and the announcement show it."""
    for kind in REFRESHES:
        enqueue(session, incident, kind, keys.refresh(incident.id, kind, key), now=now)


def say_failed(
    session: Session, job: Job, error: str, *, now: datetime, own_kinds: Mapping[str, str]
) -> None:
    """A delivery failed for good: say so in the incident channel, where someone can act on it;
    with a kind of its own (``own_kinds``) when that failure means there is no channel. A
    notice that failed is not reported by another, which would fail the same way."""
    if job.incident_id is None:
        return
    if job.kind in own_kinds:
        kind, payload = own_kinds[job.kind], {"error": error}
    elif job.kind != Kind.POST_NOTICE:
        text = notices.undelivered(job.kind, job.attempts, error)
        kind, payload = Kind.POST_NOTICE, {"text": text}
    else:
        return
    outbox.enqueue(
        session,
        key=keys.failed(job.key),
        kind=kind,
        now=now,
        incident_id=job.incident_id,
        payload=payload,
    )
