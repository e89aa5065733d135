"""Mitigations; callers own the session and commit. Each change is a guarded UPDATE, so two
clicks racing on one card change it once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.store.models import Mitigation


def decide(
    session: Session,
    mitigation_id: int,
    *,
    state: str,
    by: str,
    at: datetime,
    expires_at: datetime | None,
) -> bool:
    """pending → authorised | denied; only the first decision wins."""
    decided = session.execute(
        update(Mitigation)
        .where(Mitigation.id == mitigation_id, Mitigation.state == "pending")
        .values(state=state, decided_by=by, decided_at=at, expires_at=expires_at)
    )
    return bool(decided.rowcount)  # type: ignore[attr-defined]


def renew(
    session: Session, mitigation_id: int, *, seen: int, by: str, expires_at: datetime
) -> bool:
    """Extend an authorised mitigation still at ``seen`` renewals: a double click renews once."""
    renewed = session.execute(
        update(Mitigation)
        .where(
            Mitigation.id == mitigation_id,
            Mitigation.state == "authorised",
            Mitigation.renewals == seen,
        )
        .values(renewals=seen + 1, renewed_by=by, expires_at=expires_at)
    )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


def lapse(session: Session, mitigation_id: int, *, renewals: int) -> bool:
    """authorised → lapsed, unless it was renewed since the timer was set."""
    lapsed = session.execute(
        update(Mitigation)
        .where(
            Mitigation.id == mitigation_id,
            Mitigation.state == "authorised",
            Mitigation.renewals == renewals,
        )
        .values(state="lapsed")
    )
    return bool(lapsed.rowcount)  # type: ignore[attr-defined]
