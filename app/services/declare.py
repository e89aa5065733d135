"""Declaring an incident, in two transactions so that its channel is being created while the
rest is stored.

The first (:func:`declare`, in the process that acked the command) stores the incident, its
first timeline events, its opening (channel, topic, invitations, brief, announcement) and a
``mobilise`` item. The dispatcher starts the channel's creation and, beside it, the second
(:func:`mobilise`): pages, account threads, escalation, reminders and the initial notice, which
wait for the channel or the brief where they need them, as they did when one transaction stored
everything (that one took ~30 ms before the first Slack call could start). Nothing is lost
across a crash: the item is stored with the incident and run until it has been applied once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.declaration import Declaration
from app.metrics import INCIDENTS_DECLARED
from app.outbox import keys
from app.outbox.jobs import Job, Outcome, Table
from app.outbox.kinds import Kind
from app.routing.assessment import assess
from app.routing.targets import page_targets
from app.services import cadence
from app.services.context import Context, store_assessment
from app.services.home_refresh import enqueue_home_for_incident
from app.services.paging import schedule_escalation, send_pages, severity_rank
from app.services.threads import open_threads
from app.services.updates import draft_initial_notice
from app.store import incidents, outbox
from app.store.models import Incident, OutboxItem

OPENING_FIRST = 0.25
"""Seconds the second half waits for the brief to be posted in the new channel. Its
transaction would otherwise run beside the opening's few hops (create, post, pin), in the
same worker and, on SQLite, for the one write lock: ~20 ms later a usable channel (see
docs/benchmarks.md). Pages then usually link the channel from their first word; when Slack
is slow to make it (a rate limit, a retry), they go out after this wait regardless."""
OPENING_LOOK = 0.01
"""Seconds between looks at the brief's item."""


@dataclass(frozen=True)
class Declared:
    number: int
    severity: str
    title: str
    created: bool
    """False when this request had already declared it (a redelivered submission)."""

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


def _declared(incident: Incident, *, created: bool) -> Declared:
    return Declared(incident.number, incident.severity, incident.title, created)


def declare(
    ctx: Context,
    *,
    declaration: Declaration,
    actor: str,
    request_key: str,
    origin_channel: str | None = None,
) -> Declared:
    assert declaration.title and declaration.severity, "incomplete declarations use the form"
    with ctx.uow() as session:
        existing = incidents.by_request_key(session, request_key)
        if existing is not None:
            return _declared(existing, created=False)
        impact = assess(
            ctx.routing(), declaration.severity, declaration.services, declaration.accounts
        )
        now = ctx.clock()
        incident = Incident(
            number=incidents.next_number(session),
            request_key=request_key,
            title=declaration.title,
            status="investigating",
            private=declaration.private,
            drill=declaration.drill,
            customer_visible=declaration.customer_visible,
            summary=declaration.summary,
            accounts=list(declaration.accounts),
            declared_by=actor,
            commander=actor,
            origin_channel=origin_channel,
            declared_at=now,
        )
        store_assessment(incident, impact)
        session.add(incident)
        session.flush()
        incidents.record(
            session,
            incident,
            at=now,
            actor=actor,
            kind="declared",
            data={
                "ref": incident.ref,
                "severity": incident.severity,
                "title": incident.title,
                "declared_severity": declaration.severity,
                "private": declaration.private,
                "drill": declaration.drill,
            },
        )
        if impact.severity.raised:
            incidents.record(
                session,
                incident,
                at=now,
                actor=None,
                kind="severity_raised",
                data={"raised_by": list(impact.severity.raised_by)},
            )
        priority = severity_rank(ctx, incident.severity)
        _enqueue_opening(session, incident, now=now, actor=actor, priority=priority)
        outbox.enqueue(
            session,
            key=keys.mobilise(incident.id),
            kind=Kind.MOBILISE,
            now=now,
            payload={
                "severity": declaration.severity,
                "services": list(declaration.services),
                "accounts": list(declaration.accounts),
                "actor": actor,
            },
            incident_id=incident.id,
            priority=priority,
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = incidents.by_request_key(session, request_key)
            if existing is None:
                raise
            return _declared(existing, created=False)
    INCIDENTS_DECLARED.labels(severity=incident.severity).inc()
    ctx.on_commit()
    return _declared(incident, created=True)


def mobilise(ctx: Context, incident_id: int, item_id: int, declared: dict[str, Any]) -> None:
    """The declaration's second transaction (see the module). ``declared``: what was declared
    (severity, services, accounts, by whom), assessed again as of the declaration. Pages and
    threads wait for the channel, the paging notice and the initial notice for the brief: the
    brief is the first message in the channel, since posts there are paced one a second."""
    with ctx.uow() as session:
        # rows locked in the order of their ids, as the dispatcher's lease renewal locks them
        channel = outbox.locked(session, keys.create_channel(incident_id))
        brief = outbox.locked(session, keys.opening(incident_id, Kind.POST_BRIEF))
        assert channel is not None and brief is not None, "stored with the incident"
        if not outbox.first_application(session, item_id):
            return
        incident = session.get_one(Incident, incident_id)
        impact = assess(
            ctx.routing(), declared["severity"], declared["services"], declared["accounts"]
        )
        now = incident.declared_at
        routing = page_targets(ctx.catalog, impact, now, private=incident.private)
        send_pages(
            session,
            ctx,
            incident,
            routing,
            source="declared",
            actor=declared["actor"],
            now=now,
            after=channel,
            notice_after=brief,
        )
        open_threads(session, ctx, incident, now, after=channel)
        if incident.resolved_at is None:  # mobilised late (no worker ran): no more reminders
            schedule_escalation(session, ctx, incident, now)
            cadence.restart(session, ctx, incident, since=now)
        draft_initial_notice(session, ctx, incident, now, after=brief)
        enqueue_home_for_incident(session, incident, key="declared", now=now)
        session.commit()
    ctx.on_commit()


def mobilisation(ctx: Context) -> Table:
    """The effect of ``mobilise`` items, for the dispatcher's table."""

    def brief_settled(incident_id: int) -> bool:
        with ctx.uow.read() as session:
            return outbox.settled(session, keys.opening(incident_id, Kind.POST_BRIEF))

    async def effect(job: Job) -> Outcome:
        assert job.incident_id is not None, job.key
        deadline = asyncio.get_running_loop().time() + OPENING_FIRST
        while asyncio.get_running_loop().time() < deadline:
            if await asyncio.to_thread(brief_settled, job.incident_id):
                break
            await asyncio.sleep(OPENING_LOOK)
        await asyncio.to_thread(mobilise, ctx, job.incident_id, job.id, job.payload)
        return Outcome({"applied": True})

    return {Kind.MOBILISE: effect}


def _enqueue_opening(
    session: Session, incident: Incident, *, now: datetime, actor: str, priority: int
) -> None:
    """Channel first; topic, invitations, brief (pinned by the same delivery) and announcement
    need its id. Private incidents are never announced."""

    def add(kind: Kind, after: OutboxItem | None = None, **payload: Any) -> OutboxItem:
        return outbox.enqueue(
            session,
            key=keys.opening(incident.id, kind),
            kind=kind,
            now=now,
            payload=payload,
            incident_id=incident.id,
            after=after,
            priority=priority,
        )

    channel = add(Kind.CREATE_CHANNEL)
    add(Kind.SET_TOPIC, channel)
    add(Kind.INVITE, channel, users=list(dict.fromkeys([actor, incident.commander])))
    add(Kind.POST_BRIEF, channel)
    if not incident.private:
        add(Kind.ANNOUNCE, channel)
