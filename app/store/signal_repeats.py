"""The storm's common case in as few round trips as possible: the same signal, same state, again.

In an alert storm nearly every request repeats a signal already stored (Alertmanager re-sends
each firing alert on every group interval). Loading the row, the card and the outbox item through
the ORM for each costs more than the rest of the request, so these are plain statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.store.models import Incident, OutboxItem
from app.store.signal_models import SignalRecord, TriageCard


@dataclass(frozen=True)
class Repeat:
    card_id: int | None
    incident_number: int | None
    render_waits: bool
    """A render of the card is queued and not started: it will show this count too."""


NEW: Final = "new"
"""Nothing stored under the identity: nothing was locked or written."""


def count_repeat(
    session: Session, identity: str, status: str, now: datetime
) -> Repeat | Literal["new"] | None:
    """Counts the signal if it is stored in ``status`` already; ``NEW`` when nothing is stored
    under its identity; None when it changed or moved while we looked (the caller rolls back
    and takes the serialised path).

    Locks in the order every writer of cards and signals uses (the card, then its signals), so
    a duplicate never deadlocks with a declaration or a render of the same card."""
    found = session.execute(
        select(SignalRecord.card_id, Incident.number)
        .outerjoin(Incident, Incident.id == SignalRecord.incident_id)
        .where(SignalRecord.identity == identity)
    ).first()
    if found is None:
        return NEW
    card_id, number = found
    waits = render_waits(session, card_id) if card_id is not None else False
    row = session.execute(
        update(SignalRecord)
        .where(SignalRecord.identity == identity, SignalRecord.status == status)
        .values(received=SignalRecord.received + 1, last_at=now)
        .returning(SignalRecord.card_id, SignalRecord.incident_id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None or row[0] != card_id or (row[1] is None) != (number is None):
        return None
    return Repeat(card_id, number, waits)


def render_waits(session: Session, card_id: int) -> bool:
    """A render of the card is queued and not yet started: it will show this change too.

    The card's row is locked first: a render starting now bumps ``refresh_seq`` under the same
    lock before it reads the signals, so either it waits for this change or this one sees it
    started (another key) and queues the next render."""
    row = session.execute(
        select(TriageCard.refresh_seq, OutboxItem.key, OutboxItem.state)
        .outerjoin(OutboxItem, OutboxItem.id == TriageCard.last_item_id)
        .where(TriageCard.id == card_id)
        .with_for_update(of=TriageCard)
    ).first()
    if row is None:
        return False
    seq, key, state = row
    return state == "pending" and key == f"signal-card:{card_id}:{seq}"


def lock_card(session: Session, card_id: int) -> None:
    """The card's row, before any of its signals is changed: the order every writer keeps."""
    session.execute(select(TriageCard.id).where(TriageCard.id == card_id).with_for_update())
