"""Signal and triage-card queries; callers own the session and commit."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.store.signal_models import SignalEvent, SignalRecord, TriageCard

OPEN = "open"
SERIALISED = "signals.serialised"


def serialise(session: Session, groups: Iterable[str]) -> None:
    """The intake lock of each group of services (those that can share a card), once per
    transaction, taken before the cards are looked at: two processes receiving the same storm
    choose one group's cards one at a time, so neither makes a second card, while signals of
    other groups go on. On PostgreSQL, transaction-scoped advisory locks, taken in sorted order
    so that two batches never deadlock; SQLite's BEGIN IMMEDIATE already serialises writers."""
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    held_by, held = session.info.get(SERIALISED, (None, set()))
    if held_by is not transaction:
        held = set()
    for group in sorted(set(groups) - held):
        session.execute(select(func.pg_advisory_xact_lock(_lock_key(group))))
        held.add(group)
    session.info[SERIALISED] = (transaction, held)


def _lock_key(group: str) -> int:
    """A signed 64-bit advisory lock key, stable across processes (``hash()`` is salted)."""
    digest = hashlib.blake2b(f"beacon.signals:{group}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def by_identity(session: Session, identity: str) -> SignalRecord | None:
    return session.scalar(select(SignalRecord).where(SignalRecord.identity == identity))


def open_cards(session: Session, now: datetime, services: Collection[str]) -> list[TriageCard]:
    """Cards of ``services`` still taking signals: open, inside their window."""
    statement = select(TriageCard).where(
        TriageCard.state == OPEN,
        TriageCard.window_ends > now,
        TriageCard.service.in_(list(services)),
    )
    return list(session.scalars(statement.order_by(TriageCard.id)))


def signals_of(session: Session, card_id: int) -> list[SignalRecord]:
    statement = select(SignalRecord).where(SignalRecord.card_id == card_id)
    return list(session.scalars(statement.order_by(SignalRecord.id)))


def firings(session: Session, signal_id: int, since: datetime) -> list[datetime]:
    statement = select(SignalEvent.at).where(
        SignalEvent.signal_id == signal_id, SignalEvent.status == "firing", SignalEvent.at >= since
    )
    return list(session.scalars(statement))


def reports(session: Session, card_id: int, since: datetime) -> list[tuple[str, datetime]]:
    """(account, when) of the customer reports on a card."""
    statement = select(SignalRecord.account, SignalRecord.first_at).where(
        SignalRecord.card_id == card_id,
        SignalRecord.account.is_not(None),
        SignalRecord.first_at >= since,
    )
    return [(str(account), at) for account, at in session.execute(statement)]


def sustained_due(session: Session, now: datetime) -> list[int]:
    statement = select(TriageCard.id).where(
        TriageCard.state == OPEN, TriageCard.sustained_due <= now
    )
    return list(session.scalars(statement.limit(100)))


def pending_declarations(session: Session) -> list[tuple[int, str]]:
    """Cards a rule or pattern decided to declare that no incident has yet (a crash between)."""
    statement = select(TriageCard.id, TriageCard.pending).where(
        TriageCard.state == OPEN, TriageCard.pending.is_not(None)
    )
    return [(card_id, str(reason)) for card_id, reason in session.execute(statement.limit(100))]


def claim(session: Session, card_id: int, state: str) -> bool:
    """Moves an open card on; False when another worker or person already did."""
    statement = (
        update(TriageCard)
        .where(TriageCard.id == card_id, TriageCard.state == OPEN)
        .values(state=state)
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def backlog(session: Session) -> int:
    """Open cards nobody has declared or dismissed yet."""
    statement = select(func.count()).select_from(TriageCard).where(TriageCard.state == OPEN)
    return int(session.scalar(statement) or 0)


def changes(session: Session, signal_id: int) -> int:
    statement = select(func.count()).select_from(SignalEvent)
    return int(session.scalar(statement.where(SignalEvent.signal_id == signal_id)) or 0)


def cards_of_incident(session: Session, incident_id: int) -> list[TriageCard]:
    return list(session.scalars(select(TriageCard).where(TriageCard.incident_id == incident_id)))
