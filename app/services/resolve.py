"""Resolving and reopening an incident (SPEC 5.5), and the CS recovery checklist (SPEC 5.4).

Resolve is one transaction: status and time, the cadence and escalation timers cancelled,
PagerDuty alerts resolved, the internal brief, the customer resolution notice drafted for
approval, a checklist in each account thread, the topic, brief, announcement and App Homes
refreshed — all written to the outbox with the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.errors import UsageError
from app.domain.refs import IncidentRef
from app.domain.resolution import (
    CHECKLIST_ITEMS,
    CHECKLIST_LABELS,
    ResolveInput,
    check_reopen,
)
from app.domain.rights import may_tick
from app.outbox import keys
from app.outbox.enqueue import enqueue, enqueue_refresh, notice
from app.outbox.kinds import Kind
from app.services import cadence, rights
from app.services.context import Context
from app.services.home_refresh import enqueue_home_for_incident
from app.services.identities import person_ids
from app.services.paging import ESCALATION, schedule_escalation
from app.services.threads import open_thread, refresh_threads, thread_targets
from app.services.updates import post_briefs
from app.services.views import incident_view
from app.store import incidents, outbox, paging, resolution, updates
from app.store.models import AccountThread, Incident, StatusUpdate
from app.wording import notices, refusals, replies


@dataclass(frozen=True)
class Ticked:
    ref: str
    item: str
    by: str
    at: datetime
    new: bool


def resolve_pagerduty(session: Session, ctx: Context, incident: Incident, now: datetime) -> None:
    """Close the PagerDuty alert of every page once the incident is resolved."""
    if ctx.catalog.policy.pagerduty is None:
        return
    for page in paging.pages_of(session, incident.id):
        trigger = outbox.by_key(session, keys.pagerduty_trigger(page.id))
        enqueue(
            session,
            incident,
            Kind.PAGERDUTY_RESOLVE,
            keys.pagerduty_resolve(page.id),
            now=now,
            after=trigger,
            page_id=page.id,
        )


def withdraw_pending(
    session: Session,
    incident: Incident,
    kinds: tuple[str, ...],
    reason: str,
    actor: str,
    now: datetime,
) -> int:
    """Pending customer drafts that no longer hold are rejected, so nobody approves them late
    (an "investigating" notice after the resolution, a resolution after a reopen)."""
    withdrawn = 0
    drafts = session.scalars(
        select(StatusUpdate.id).where(
            StatusUpdate.incident_id == incident.id,
            StatusUpdate.kind.in_(kinds),
            StatusUpdate.state == "pending",
        )
    )
    for draft_id in list(drafts):
        if not updates.decide(session, draft_id, state="rejected", by=actor, at=now, reason=reason):
            continue
        withdrawn += 1
        if incident.customer_visible and not incident.private:
            enqueue(
                session,
                incident,
                Kind.REFRESH_CARD,
                keys.update_card(draft_id, "rejected"),
                now=now,
                update_id=draft_id,
            )
    return withdrawn


class ResolveService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def resolve(self, which: IncidentRef, given: ResolveInput) -> str:
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, which, "resolve")
            if incident.status == "resolved":
                raise UsageError(refusals.already_resolved(incident.ref))
            before = incident.status
            incident.status = "resolved"
            incident.resolved_at = now
            cadence.stop(session, incident)
            paging.cancel(session, incident.id, ESCALATION)
            resolve_pagerduty(session, self.ctx, incident, now)
            withdraw_pending(
                session,
                incident,
                ("initial", "update"),
                "superseded by the resolution notice",
                actor,
                now,
            )
            view = incident_view(incident, self.ctx.catalog)
            fields = {
                "fix": given.fix,
                "residual_risk": given.residual_risk,
                "customer_steps": given.customer_steps,
            }
            draft = StatusUpdate(
                incident_id=incident.id,
                kind="resolution",
                drafted_by=actor,
                drafted_at=now,
                fields=fields,
                internal_text=self.ctx.drafter.resolution_internal(
                    view, now=now, by=actor, **fields
                ),
                customer_text=self.ctx.drafter.resolution(
                    view, now=now, fix=given.fix, customer_steps=given.customer_steps
                ),
                state="pending",
            )
            session.add(draft)
            session.flush()
            event = incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="resolved",
                data={"from": before, "update_id": draft.id, **fields},
            )
            session.flush()
            post_briefs(session, incident, draft, now)
            for thread in thread_targets(session, self.ctx, incident, now):
                opened = open_thread(session, incident, thread, now)
                enqueue(
                    session,
                    incident,
                    Kind.POST_CHECKLIST,
                    keys.checklist(thread.id),
                    now=now,
                    after=opened,
                    thread_id=thread.id,
                )
            enqueue_refresh(session, incident, key=f"event:{event.id}", now=now)
            refresh_threads(session, incident, key=f"event:{event.id}", now=now)
            enqueue_home_for_incident(session, incident, key=f"event:{event.id}", now=now)
            session.commit()
        self.ctx.on_commit()
        customers_told = incident.customer_visible and not incident.private
        return replies.resolved(incident.ref, customers_told=customers_told)

    def reopen(self, which: IncidentRef, status: str) -> str:
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, which, "reopen")
            check_reopen(incident.ref, incident.status, incident.resolved_at, now)
            incident.status = status
            incident.resolved_at = None
            withdraw_pending(
                session, incident, ("resolution",), "the incident was reopened", actor, now
            )
            cadence.restart(session, self.ctx, incident, since=now)
            schedule_escalation(session, self.ctx, incident, now)
            event = incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="reopened",
                data={"status": status},
            )
            session.flush()
            notice(
                session,
                incident,
                notices.reopened(actor, incident.ref, status),
                key=f"reopen:{event.id}",
                now=now,
            )
            enqueue_refresh(session, incident, key=f"event:{event.id}", now=now)
            refresh_threads(session, incident, key=f"event:{event.id}", now=now)
            enqueue_home_for_incident(session, incident, key=f"event:{event.id}", now=now)
            session.commit()
        self.ctx.on_commit()
        return replies.reopened(incident.ref, status)


class ChecklistService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def tick(self, thread_id: int, item: str, *, user: str) -> Ticked:
        now = self.ctx.clock()
        if item not in CHECKLIST_ITEMS:
            raise UsageError(refusals.NO_SUCH_CHECKLIST_ITEM)
        label = CHECKLIST_LABELS[item]
        with self.ctx.uow() as session:
            thread = session.get(AccountThread, thread_id)
            if thread is None:
                raise UsageError(refusals.gone("checklist"))
            incident = incidents.locked_for(session, thread)
            account = self.ctx.catalog.accounts.get(thread.account_id)
            name = account.name if account else thread.account_id
            liaison = account.liaison if account else None
            verdict = may_tick(
                user,
                rights.standing(session, self.ctx, incident),
                rights.roster(session, self.ctx),
                liaison=person_ids(session)(liaison) if liaison else None,
                account=name,
            )
            what = f"tick “{label}” on {name}'s recovery checklist for {incident.ref}"
            rights.check(session, self.ctx, incident, user, verdict, what, kind="checklist_refused")
            row = resolution.tick(
                session, incident_id=incident.id, thread_id=thread.id, item=item, by=user, at=now
            )
            if row is None:
                session.rollback()
                existing = next(
                    t for t in resolution.ticks_of(session, thread.id) if t.item == item
                )
                return Ticked(incident.ref, item, existing.ticked_by, existing.ticked_at, False)
            incidents.record(
                session,
                incident,
                at=now,
                actor=user,
                kind="checklist_ticked",
                data={
                    "thread_id": thread.id,
                    "item": item,
                    "account": thread.account_id,
                    "name": name,
                },
            )
            session.flush()
            enqueue(
                session,
                incident,
                Kind.REFRESH_CHECKLIST,
                keys.checklist_tick(thread.id, row.id),
                now=now,
                thread_id=thread.id,
            )
            session.commit()
            ref = incident.ref
        self.ctx.on_commit()
        return Ticked(ref, item, user, now, True)
