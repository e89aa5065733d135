"""The timeline beyond what Beacon does itself: a message reacted to with :pushpin: in an
incident channel joins the timeline. Slack retries an event until it is acknowledged, so each
``event_id`` is stored and handled once; the message text is fetched by the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.outbox import keys
from app.outbox.enqueue import enqueue
from app.outbox.kinds import Kind
from app.services.context import Context
from app.store import incidents, resolution
from app.store.models import Incident, IncidentEvent

PIN_REACTION = "pushpin"


class TimelineService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def pushpin(self, *, event_id: str, channel: str, ts: str, user: str) -> bool:
        """True when it was new and in an incident channel (the message is then fetched)."""
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if not resolution.first_sight(session, event_id, "reaction_added", now):
                return False
            incident = incidents.by_channel(session, channel)
            if incident is not None:
                enqueue(
                    session,
                    incident,
                    Kind.TIMELINE_PIN,
                    keys.timeline_pin(incident.id, ts),
                    now=now,
                    channel=channel,
                    ts=ts,
                    user=user,
                    at=now.isoformat(),
                )
            try:
                session.commit()
            except IntegrityError:
                return False  # another worker is fetching the same message already
        if incident is None:
            return False
        self.ctx.on_commit()
        return True

    def record_pin(
        self, incident_id: int, *, ts: str, user: str, at: datetime, text: str, author: str | None
    ) -> None:
        """Called by the outbox effect once the text is known; idempotent per message."""
        with self.ctx.uow() as session:
            incident = session.get_one(Incident, incident_id)
            pinned = session.scalars(
                select(IncidentEvent).where(
                    IncidentEvent.incident_id == incident_id, IncidentEvent.kind == "pinned"
                )
            )
            if any((event.data or {}).get("ts") == ts for event in pinned):
                return
            incidents.record(
                session,
                incident,
                at=at,
                actor=user,
                kind="pinned",
                text=text[:1000] or "(a message without text)",
                data={"ts": ts, "author": author},
            )
            session.commit()
