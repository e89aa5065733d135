"""Reads what may be published: the only place the publishing surfaces touch the database.

The filter is here, once, for every surface: private incidents, drills and incidents marked
not customer-visible are never loaded, and of the rest only approved notices are.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.catalog.models import Catalog
from app.domain.updates import STATUSES
from app.publishing.view import Notice, Published
from app.store.models import Incident, IncidentEvent, StatusUpdate


def version(session: Session) -> int:
    """Bumped by every change to any incident (each is on the append-only timeline), so a
    cached page is stale exactly when this moved; one index lookup on the primary key."""
    return int(session.scalar(select(func.max(IncidentEvent.id))) or 0)


def published(
    session: Session, catalog: Catalog, *, now: datetime, history: timedelta
) -> list[Published]:
    rows = session.scalars(
        select(Incident).where(
            Incident.private.is_(False),
            Incident.drill.is_(False),
            Incident.customer_visible.is_(True),
            or_(Incident.resolved_at.is_(None), Incident.resolved_at >= now - history),
        )
    ).all()
    by_id = {row.id: row for row in rows}
    notices: dict[int, list[Notice]] = {}
    said: dict[int, str] = {}
    """The status customers were last told, by incident: the internal one may be ahead."""
    if by_id:
        approved = session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.incident_id.in_(list(by_id)), StatusUpdate.state == "approved")
            .order_by(StatusUpdate.decided_at, StatusUpdate.id)
        )
        for update in approved:
            at = update.decided_at or update.drafted_at
            notices.setdefault(update.incident_id, []).append(
                Notice(update.kind, update.customer_text, at)
            )
            status = (update.fields or {}).get("status")
            if status in STATUSES:
                said[update.incident_id] = status
    ranks = {severity.id: severity.rank for severity in catalog.policy.severities}
    return [
        Published(
            number=row.number,
            severity_rank=ranks.get(row.severity, len(ranks)),
            status=said.get(row.id, STATUSES[0]),
            services=tuple((row.impact or {}).get("services") or row.services),
            accounts=tuple(account for account, _tier in (row.impact or {}).get("accounts", [])),
            started_at=row.declared_at,
            resolved_at=row.resolved_at,
            notices=tuple(notices[row.id]),
        )
        for row in rows
        if row.id in notices
    ]
