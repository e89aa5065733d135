"""Keeping the update cadence: the due time, its reminders as durable timers, and firing them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.cadence.policy import KINDS, NUDGE, OVERDUE, reminders
from app.outbox.enqueue import notice
from app.services.context import Context, assessment_of
from app.store import incidents, paging
from app.store.models import Incident, Timer
from app.wording import notices


def interval_of(ctx: Context, incident: Incident) -> timedelta | None:
    """From the stored assessment: a configuration reload does not change a running cadence."""
    return assessment_of(incident).update_every


def restart(session: Session, ctx: Context, incident: Incident, *, since: datetime) -> None:
    """Due one interval after ``since``; the old reminders go, new ones are scheduled."""
    paging.cancel(session, incident.id, *KINDS)
    start(session, ctx, incident, since=since)


def start(session: Session, ctx: Context, incident: Incident, *, since: datetime) -> None:
    """Due one interval after ``since``, with its reminders; as such for an incident being
    declared, which has no reminders to cancel yet."""
    interval = interval_of(ctx, incident)
    incident.next_update_due = (
        since + interval if interval and incident.status != "resolved" else None
    )
    due = incident.next_update_due
    paging.schedule(
        session,
        incident_id=incident.id,
        due=dict(
            reminders(
                due, interval=interval, remind_before=ctx.catalog.policy.workspace.remind_before
            )
        ),
        now=since,
        data={"due": due.isoformat() if due else None},
    )


def stop(session: Session, incident: Incident) -> None:
    paging.cancel(session, incident.id, *KINDS)
    incident.next_update_due = None


def fire(session: Session, ctx: Context, incident: Incident, timer: Timer, now: datetime) -> None:
    due = incident.next_update_due
    leads = [incident.commander, incident.comms_lead]
    if timer.kind == NUDGE:
        text = notices.cadence_nudge(leads, incident.ref, due)
    elif timer.kind == OVERDUE:
        text = notices.cadence_overdue(leads, incident.ref, due)
    else:
        catalog = ctx.catalog
        owners = assessment_of(incident).named_services
        teams = {catalog.services[s].team for s in owners if s in catalog.services}
        managers = [
            manager
            for t in sorted(teams)
            if t in catalog.teams and (manager := catalog.teams[t].manager)
        ]
        text = notices.cadence_broken(
            [*managers, *catalog.policy.workspace.execs], incident.ref, due
        )
    incidents.record(
        session,
        incident,
        at=now,
        actor=None,
        kind=f"cadence_{timer.kind}",
        data={"due": due.isoformat() if due else None},
    )
    notice(session, incident, text, key=f"cadence:{timer.id}", now=now)
