"""Re-routing a running incident (a severity change, a service named later): the one place that
rewrites the stored assessment and acts on what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.people import mention
from app.outbox.enqueue import enqueue_refresh
from app.routing.assessment import Impact
from app.routing.targets import page_targets
from app.services import cadence
from app.services.context import Context, assessment_of, store_assessment
from app.services.paging import schedule_escalation, send_pages
from app.services.threads import open_threads, refresh_threads
from app.store import incidents
from app.store.models import Incident, Page


def reroute(
    session: Session,
    ctx: Context,
    incident: Incident,
    impact: Impact,
    *,
    source: str,
    actor: str,
    now: datetime,
    key: str,
) -> list[Page]:
    """Store ``impact``, page who it newly requires (never anyone twice), open the threads of
    accounts it newly affects, show the change on the others, and restart escalation and
    cadence from it. ``key``: the change's event, naming its outbox items."""
    store_assessment(incident, impact)
    pages = send_pages(
        session,
        ctx,
        incident,
        page_targets(ctx.catalog, impact, now, private=incident.private),
        source=source,
        actor=actor,
        now=now,
    )
    open_threads(session, ctx, incident, now)
    refresh_threads(session, incident, key=key, now=now)
    schedule_escalation(session, ctx, incident, now)
    cadence.restart(session, ctx, incident, since=incident.last_update_at or incident.declared_at)
    return pages


def name_service(
    session: Session,
    ctx: Context,
    incident: Incident,
    service_id: str,
    *,
    actor: str,
    now: datetime,
) -> list[Page]:
    """A responder names a service later (``page service:<id>``): its team becomes an owner,
    paged like the declared ones, and the accounts it newly hurts get their threads. Nothing
    happens for a service already named."""
    named = assessment_of(incident).named_services
    if service_id in named:
        return []
    impact = ctx.reassess(
        incident, severity=incident.declared_severity, services=[*named, service_id]
    )
    incidents.record(
        session,
        incident,
        at=now,
        actor=actor,
        kind="service_named",
        text=f"{mention(actor)} named service {service_id}; re-routed",
        data={"service": service_id},
    )
    key = f"named:{service_id}"
    pages = reroute(
        session, ctx, incident, impact, source=f"{service_id} named", actor=actor, now=now, key=key
    )
    enqueue_refresh(session, incident, key=key, now=now)
    return pages
