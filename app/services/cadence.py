"""Keeping the update cadence: the due time, its reminders as durable timers, and firing them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.briefs.view import clock_time
from app.cadence.policy import KINDS, NUDGE, OVERDUE, reminders
from app.domain.people import mention
from app.outbox.enqueue import notice
from app.services.context import Context, assessment_of
from app.store import incidents, paging
from app.store.models import Incident, Timer


def interval_of(ctx: Context, incident: Incident) -> timedelta | None:
    """From the stored assessment: a configuration reload does not change a running cadence."""
    return assessment_of(incident).update_every


def restart(session: Session, ctx: Context, incident: Incident, *, since: datetime) -> None:
    """Due one interval after ``since``; the old reminders go, new ones are scheduled."""
    for kind in KINDS:
        paging.cancel(session, incident.id, kind)
    interval = interval_of(ctx, incident)
    incident.next_update_due = (
        since + interval if interval and incident.status != "resolved" else None
    )
    for kind, at in reminders(
        incident.next_update_due,
        interval=interval,
        remind_before=ctx.catalog.policy.workspace.remind_before,
    ):
        paging.schedule(
            session,
            incident_id=incident.id,
            kind=kind,
            due_at=at,
            now=since,
            data={
                "due": incident.next_update_due.isoformat() if incident.next_update_due else None
            },
        )


def stop(session: Session, incident: Incident) -> None:
    for kind in KINDS:
        paging.cancel(session, incident.id, kind)
    incident.next_update_due = None


def fire(session: Session, ctx: Context, incident: Incident, timer: Timer, now: datetime) -> None:
    due = clock_time(incident.next_update_due)
    leads = " ".join(
        mention(p) for p in dict.fromkeys(filter(None, [incident.commander, incident.comms_lead]))
    )
    if timer.kind == NUDGE:
        text = f":alarm_clock: {leads} the next update for {incident.ref} is due at {due}."
    elif timer.kind == OVERDUE:
        text = f":warning: {leads} the update for {incident.ref} was due at {due} and is overdue."
    else:
        catalog = ctx.catalog
        owners = assessment_of(incident).named_services
        teams = {catalog.services[s].team for s in owners if s in catalog.services}
        managers = [
            manager
            for t in sorted(teams)
            if t in catalog.teams and (manager := catalog.teams[t].manager)
        ]
        people = " ".join(
            mention(p) for p in dict.fromkeys([*managers, *catalog.policy.workspace.execs]) if p
        )
        text = (
            f":rotating_light: {people} {incident.ref} missed its update due at {due}:"
            " the update cadence is broken; please step in."
        )
    incidents.record(
        session,
        incident,
        at=now,
        actor=None,
        kind=f"cadence_{timer.kind}",
        text={NUDGE: f"Update reminder (due {due})", OVERDUE: f"Update overdue (due {due})"}.get(
            timer.kind, f"Update cadence escalated to managers (due {due})"
        ),
        data={"due": timer.data.get("due")},
    )
    notice(session, incident, text, key=f"cadence:{timer.id}", now=now)
