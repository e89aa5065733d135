"""Tables of signals (SPEC 5.8): each signal once by identity, its state changes, triage cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import Base


class TriageCard(Base):
    """One card per service and ``group_within`` window in the triage channel.

    ``state``: ``open`` (awaiting a person or a pattern), ``declared`` or ``dismissed``.
    ``sustained_due`` is the durable ``sustained`` timer: fired once by whichever worker flips
    the card out of ``open`` first.
    """

    __tablename__ = "triage_cards"
    __table_args__ = (Index("ix_triage_cards_state", "state", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(255))
    """The likely cause: the most foundational service alerting in this group."""
    state: Mapped[str] = mapped_column(String(12), default="open")
    severity: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime]
    window_ends: Mapped[datetime]
    sustained_due: Mapped[datetime | None]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    pending: Mapped[str | None] = mapped_column(Text)
    """A rule or pattern decided to declare, for this reason: set with the signal that decided
    it, so a crash before the declaration leaves it to the timer loop, not lost."""
    reason: Mapped[str | None] = mapped_column(Text)
    """Why it was declared (the pattern) or dismissed (the person's words)."""
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(40))
    ts: Mapped[str | None] = mapped_column(String(40))
    refresh_seq: Mapped[int] = mapped_column(default=0)
    """Bumped when a delivery takes its snapshot: changes after that need a new delivery."""
    last_item_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class SignalRecord(Base):
    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_service", "service", "last_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(80))
    service: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    severity: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(Text)
    account: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(12))
    """``ignored``, ``auto``, ``triage`` or ``attached``: what became of it."""
    rule: Mapped[int | None]
    received: Mapped[int] = mapped_column(default=1)
    """Deliveries of this signal, duplicates included: the count on its card."""
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    card_id: Mapped[int | None] = mapped_column(ForeignKey("triage_cards.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))


class SignalEvent(Base):
    """A state change of a signal (firing, resolved): what ``repeats`` counts."""

    __tablename__ = "signal_events"
    __table_args__ = (Index("ix_signal_events_signal_at", "signal_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))
