"""Outbox items of an incident, shared by the services: keyed, ordered and prioritised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.context import Context
from app.store import outbox
from app.store.models import Incident, OutboxItem


def enqueue(
    session: Session,
    incident: Incident,
    kind: str,
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


def severity_rank(ctx: Context, severity: str) -> int:
    """0 for the most severe: the outbox priority of the incident's pages and opening."""
    ids = [level.id for level in ctx.catalog.policy.severities]
    return ids.index(severity) if severity in ids else len(ids)


def channel_item(session: Session, incident: Incident) -> OutboxItem | None:
    """The pending creation of the incident's channel, if it has none yet."""
    if incident.channel_id:
        return None
    key = f"incident:{incident.id}:create_channel"
    item = session.scalar(select(OutboxItem).where(OutboxItem.key == key))
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
    """A message in the incident channel (it waits for the channel if that is not made yet)."""
    enqueue(
        session,
        incident,
        "post_notice",
        f"incident:{incident.id}:notice:{key}",
        now=now,
        after=after,
        text=text,
    )


def enqueue_refresh(session: Session, incident: Incident, *, key: str, now: datetime) -> None:
    """After a change the channel topic, the pinned brief and the announcement show it."""
    for kind in ("set_topic", "refresh_brief", "refresh_announcement"):
        enqueue(session, incident, kind, f"incident:{incident.id}:{kind}:{key}", now=now)
