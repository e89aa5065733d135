"""When an incident's first signal arrived: the start of the review's signal timings (SPEC 5.8)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.signal_models import SignalRecord


def first_signal(session: Session, incident_id: int) -> SignalRecord | None:
    """The earliest signal attached to the incident or on the card it was declared from."""
    statement = (
        select(SignalRecord)
        .where(SignalRecord.incident_id == incident_id)
        .order_by(SignalRecord.first_at, SignalRecord.id)
        .limit(1)
    )
    return session.scalars(statement).first()
