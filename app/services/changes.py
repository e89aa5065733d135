"""Changing a running incident: severity (which re-routes) and roles."""

from __future__ import annotations

from typing import Literal

from app.domain.errors import UsageError
from app.domain.people import mention
from app.domain.rights import may_command
from app.domain.text import escape
from app.outbox import keys
from app.outbox.enqueue import enqueue, enqueue_refresh, notice
from app.outbox.kinds import Kind
from app.services import rights
from app.services.context import Context
from app.services.lookup import find_incident
from app.services.reroute import reroute
from app.store import incidents


class ChangeService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def severity(
        self, severity: str, *, reason: str, actor: str, number: int | None, channel: str | None
    ) -> str:
        """Re-route at the new severity: page who is newly required, never anyone twice."""
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = rights.act_on(
                session, self.ctx, actor, number, channel, "change the severity of"
            )
            if incident.status == "resolved":
                raise UsageError(f"{incident.ref} is resolved; reopen it first.")
            impact = self.ctx.reassess(incident, severity=severity)
            effective = impact.severity.severity
            before = incident.severity
            if severity == incident.declared_severity and effective == before:
                raise UsageError(f"{incident.ref} is already {before}.")
            text = f"Severity {before} → {effective} by {mention(actor)}"
            if effective != severity:
                text += f" (asked {severity}; {'; '.join(impact.severity.raised_by)})"
            if reason:
                text += f": {escape(reason)}"
            event = incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="severity_changed",
                text=text,
                data={"from": before, "to": effective},
            )
            session.flush()
            notice(
                session,
                incident,
                f":arrows_counterclockwise: {text}.",
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

    def assign(
        self,
        role: Literal["commander", "comms"],
        user: str,
        *,
        actor: str,
        number: int | None,
        channel: str | None,
    ) -> str:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = find_incident(session, number=number, channel=channel, viewer=actor)
            label = "incident commander" if role == "commander" else "comms lead"
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
            text = f"{mention(user)} is now {label} of {incident.ref} (set by {mention(actor)})"
            event = incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="assigned",
                text=text,
                data={"role": role, "user": user},
            )
            session.flush()
            notice(
                session,
                incident,
                f":bust_in_silhouette: {text}.",
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
