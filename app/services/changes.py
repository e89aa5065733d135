"""Changing a running incident: severity (which re-routes) and roles."""

from __future__ import annotations

from typing import Literal

from app.domain.errors import UsageError
from app.domain.refs import IncidentRef
from app.domain.rights import may_command
from app.outbox import keys
from app.outbox.enqueue import enqueue, enqueue_refresh, notice
from app.outbox.kinds import Kind
from app.services import rights
from app.services.context import Context
from app.services.lookup import find_incident
from app.services.reroute import reroute
from app.store import incidents
from app.wording import notices, refusals, timeline


class ChangeService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def severity(self, which: IncidentRef, severity: str, *, reason: str) -> str:
        """Re-route at the new severity: page who is newly required, never anyone twice."""
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, which, "change the severity of")
            if incident.status == "resolved":
                raise UsageError(refusals.resolved_reopen_first(incident.ref))
            impact = self.ctx.reassess(incident, severity=severity)
            effective = impact.severity.severity
            before = incident.severity
            if severity == incident.declared_severity and effective == before:
                raise UsageError(refusals.already_at(incident.ref, before))
            data = {
                "from": before,
                "to": effective,
                "asked": severity,
                "raised_by": list(impact.severity.raised_by),
                "reason": reason,
            }
            event = incidents.record(
                session, incident, at=now, actor=actor, kind="severity_changed", data=data
            )
            text = timeline.mrkdwn("severity_changed", actor, **data)
            session.flush()
            notice(
                session,
                incident,
                notices.event("arrows_counterclockwise", text),
                key=f"severity:{event.id}",
                now=now,
            )
            key = f"event:{event.id}"
            reroute(
                session,
                self.ctx,
                incident,
                impact,
                source=f"severity {effective}",
                actor=actor,
                now=now,
                key=key,
            )
            enqueue_refresh(session, incident, key=key, now=now)
            session.commit()
        self.ctx.on_commit()
        return text

    def assign(self, which: IncidentRef, role: Literal["commander", "comms"], user: str) -> str:
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = find_incident(session, which, lock=True)
            label = timeline.ROLE_LABELS[role]
            verdict = may_command(
                actor,
                rights.standing(session, self.ctx, incident),
                rights.roster(session, self.ctx),
            )
            rights.check(
                session, self.ctx, incident, actor, verdict, f"name the {label} of {incident.ref}"
            )
            if role == "commander":
                incident.commander = user
            else:
                incident.comms_lead = user
            data = {"role": role, "user": user, "ref": incident.ref}
            event = incidents.record(
                session, incident, at=now, actor=actor, kind="assigned", data=data
            )
            text = timeline.mrkdwn("assigned", actor, **data)
            session.flush()
            notice(
                session,
                incident,
                notices.event("bust_in_silhouette", text),
                key=f"assign:{event.id}",
                now=now,
            )
            enqueue(
                session,
                incident,
                Kind.INVITE,
                keys.invite(incident.id, event.id),
                now=now,
                users=[user],
            )
            enqueue_refresh(session, incident, key=f"event:{event.id}", now=now)
            session.commit()
        self.ctx.on_commit()
        return text
