"""Re-routing a running incident (a severity change, a service named later): the one place that
rewrites the stored assessment and acts on what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.routing.assessment import Assessment, Impact
from app.routing.targets import page_targets
from app.services import cadence
from app.services.context import Context, store_assessment
from app.services.paging import schedule_escalation, send_pages
from app.services.threads import open_threads, refresh_threads
from app.store.models import Incident


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
) -> Assessment:
    """Store ``impact``, page who it newly requires (never anyone twice), open the threads of
    accounts it newly affects, show the change on the others, and restart escalation and
    cadence from it. ``key``: the change's event, naming its outbox items."""
    assessment = store_assessment(incident, impact)
    send_pages(
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
    return assessment
