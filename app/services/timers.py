"""Firing durable timers: each due timer once, in its own transaction with its effects."""

from __future__ import annotations

from app.cadence.policy import KINDS
from app.services import cadence, mitigations
from app.services.context import Context
from app.services.paging import ESCALATION, escalation_due
from app.store import paging
from app.store.models import Incident


class TimerService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def fire_due(self) -> int:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            due = paging.due(session, now)
        fired = 0
        for timer_id in due:
            with self.ctx.uow() as session:
                timer = paging.claim(session, timer_id, now)
                if timer is None:
                    continue
                incident = session.get_one(Incident, timer.incident_id)
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
