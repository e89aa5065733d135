"""Firing durable timers: each due timer once, in its own transaction with its effects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.cadence.policy import KINDS
from app.catalog.durations import format_duration
from app.routing.targets import escalation_delay
from app.services import cadence, mitigations
from app.services.context import Context
from app.services.paging import ESCALATION, escalate, responder_acknowledged
from app.store import paging
from app.store.models import Incident


def escalation_due(
    session: Session, ctx: Context, incident: Incident, level: int, now: datetime
) -> None:
    """An escalation timer came due: escalate unless a responder acknowledged meanwhile."""
    if incident.status == "resolved" or responder_acknowledged(session, incident):
        return
    if incident.escalation_level != level:
        return
    ack_within = escalation_delay(ctx.catalog.policy, incident.severity, level)
    escalate(
        session,
        ctx,
        incident,
        actor=None,
        now=now,
        reason=f"no acknowledgement within {format_duration(ack_within)}",
    )


class TimerService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def fire_due(self) -> int:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            due = paging.due(session, now)
        fired = 0
        for timer_id, incident_id in due:
            with self.ctx.uow() as session:
                incident = session.get_one(Incident, incident_id, with_for_update=True)
                timer = paging.claim(session, timer_id, now)
                if timer is None:
                    continue
                if timer.kind == ESCALATION:
                    escalation_due(session, self.ctx, incident, int(timer.data["level"]), now)
                elif timer.kind in KINDS and incident.status != "resolved":
                    cadence.fire(session, self.ctx, incident, timer, now)
                elif timer.kind in mitigations.KINDS:
                    mitigations.fire(session, incident, timer, now)
                session.commit()
                fired += 1
        if fired:
            self.ctx.on_commit()
        return fired
