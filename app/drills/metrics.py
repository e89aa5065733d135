"""Response metrics of a drill's incident, read from Beacon's own records, and the targets met
or missed. The same numbers leadership would see for a real incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.catalog.durations import format_duration
from app.store.db import UnitOfWork
from app.store.models import Incident, IncidentEvent, Page, StatusUpdate
from app.store.signal_timings import first_signal


@dataclass(frozen=True)
class Metrics:
    ref: str
    severity: str
    time_to_ack: timedelta | None
    """First acknowledgement that stops escalation (responders, not liaisons)."""
    time_to_first_update: timedelta | None
    time_to_first_customer_update: timedelta | None
    """First customer-facing text approved and sent."""
    escalations: int
    pages: int
    time_to_declare: timedelta | None = None
    """From the first signal (a ``signal:`` step, a ``report``) to the declaration."""


@dataclass(frozen=True)
class Verdict:
    target: str
    wanted: str
    actual: str
    met: bool


def measure(uow: UnitOfWork, *, drills_only: bool = False) -> Metrics | None:
    """Metrics of the latest incident (or latest drill), None when nothing was declared."""
    with uow() as session:
        query = select(Incident).order_by(Incident.id.desc()).limit(1)
        if drills_only:
            query = query.where(Incident.drill.is_(True))
        incident = session.scalars(query).first()
        if incident is None:
            return None
        start = incident.declared_at
        acked = session.scalar(
            select(func.min(Page.acked_at)).where(
                Page.incident_id == incident.id, Page.stops_escalation.is_(True)
            )
        )
        drafted = session.scalar(
            select(func.min(StatusUpdate.drafted_at)).where(
                StatusUpdate.incident_id == incident.id, StatusUpdate.kind == "update"
            )
        )
        approved = session.scalar(
            select(func.min(StatusUpdate.decided_at)).where(
                StatusUpdate.incident_id == incident.id, StatusUpdate.state == "approved"
            )
        )
        escalations = session.scalar(
            select(func.count(IncidentEvent.id)).where(
                IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "escalated"
            )
        )
        pages = session.scalar(select(func.count(Page.id)).where(Page.incident_id == incident.id))
        signal = first_signal(session, incident.id)
        signalled = signal.first_at if signal is not None and signal.first_at <= start else None
        return Metrics(
            ref=incident.ref,
            severity=incident.severity,
            time_to_ack=_since(start, acked),
            time_to_first_update=_since(start, drafted),
            time_to_first_customer_update=_since(start, approved),
            escalations=int(escalations or 0),
            pages=int(pages or 0),
            time_to_declare=start - signalled if signalled is not None else None,
        )


def judge(targets: dict[str, timedelta | int], metrics: Metrics | None) -> list[Verdict]:
    verdicts = []
    for key, wanted in targets.items():
        if not isinstance(wanted, timedelta):  # max_escalations
            count = metrics.escalations if metrics else 0
            verdicts.append(Verdict(key, f"<= {wanted}", str(count), count <= wanted))
            continue
        actual = _actual(metrics, key)
        met = actual is not None and actual <= wanted
        shown = format_duration(actual) if actual is not None else "never"
        verdicts.append(Verdict(key, f"<= {format_duration(wanted)}", shown, met))
    return verdicts


def _actual(metrics: Metrics | None, key: str) -> timedelta | None:
    if metrics is None:
        return None
    return {
        "ack_within": metrics.time_to_ack,
        "first_update_within": metrics.time_to_first_update,
        "first_customer_update_within": metrics.time_to_first_customer_update,
        "declared_within": metrics.time_to_declare,
    }[key]


def _since(start: datetime, end: datetime | None) -> timedelta | None:
    return end - start if end is not None else None
