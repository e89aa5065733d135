"""Declaring an incident: one transaction stores it, its first timeline event and every Slack
effect it implies; the dispatcher delivers them afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.declaration import Declaration
from app.metrics import INCIDENTS_DECLARED
from app.outbox import keys
from app.outbox.kinds import Kind
from app.routing.assessment import assess
from app.routing.targets import page_targets
from app.services import cadence
from app.services.context import Context, store_assessment
from app.services.home_refresh import enqueue_home_for_incident
from app.services.paging import DECLARED, escalation_timer, send_pages, severity_rank
from app.services.threads import open_threads
from app.services.updates import draft_initial_notice
from app.store import incidents, outbox
from app.store.models import Incident, OutboxItem


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
    with ctx.uow() as session:
        try:
            incident = _open(session, ctx, declaration, actor, request_key, origin_channel)
            session.commit()
        except IntegrityError:  # a redelivered submission: its request key is taken
            session.rollback()
            existing = incidents.by_request_key(session, request_key)
            if existing is None:
                raise
            return _declared(existing, created=False)
    INCIDENTS_DECLARED.labels(severity=incident.severity).inc()
    ctx.on_commit()
    return _declared(incident, created=True)


def _open(
    session: Session,
    ctx: Context,
    declaration: Declaration,
    actor: str,
    request_key: str,
    origin_channel: str | None,
) -> Incident:
    """The incident, its first events, pages, timers and every effect it implies, uncommitted.
    Stored without first looking its request key up: a redelivery is rare, and the unique key
    refuses it (on PostgreSQL, one running beside its original waits for it to commit)."""
    assert declaration.title and declaration.severity, "incomplete declarations use the form"
    impact = assess(ctx.routing(), declaration.severity, declaration.services, declaration.accounts)
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
        mitigations=[],  # none yet: said, so that reading them (the brief's view) asks nothing
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
    with outbox.batched(session):
        brief = _enqueue_opening(
            session, incident, now=now, actor=actor, priority=severity_rank(ctx, incident.severity)
        )
        routing = page_targets(ctx.catalog, impact, now, private=declaration.private)
        pages = send_pages(
            session, ctx, incident, routing, source=DECLARED, actor=actor, now=now, after=brief
        )
        open_threads(session, ctx, incident, now, after=brief, declared=True)
        escalation_timer(session, ctx, incident, now)
        cadence.start(session, ctx, incident, since=now)
        draft_initial_notice(session, ctx, incident, now, after=brief)
        paged = [page.person for page in pages]
        enqueue_home_for_incident(session, incident, key="declared", now=now, paged=paged)
    return incident


def _enqueue_opening(
    session: Session, incident: Incident, *, now: datetime, actor: str, priority: int
) -> OutboxItem:
    """Channel first; the brief (pinned by the same delivery) and the announcement need its id.
    Topic and invitations come after the brief, so that people arrive in a channel that shows
    it (and a brief Slack refuses does not keep them out: ``ORDERING_ONLY``); so do the pages'
    links, their notice and the account threads. Private incidents are never announced.
    Returns the brief's item."""

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
    brief = add(Kind.POST_BRIEF, channel)
    add(Kind.SET_TOPIC, brief)
    add(Kind.INVITE, brief, users=list(dict.fromkeys([actor, incident.commander])))
    if not incident.private:
        add(Kind.ANNOUNCE, channel)
    return brief
