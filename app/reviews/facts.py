"""What happened in one incident, detached from the database: the input of every review."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.wording.timeline import Event


@dataclass(frozen=True)
class EventFact:
    """One timeline event; ``text`` is the sentence rows kept before events carried data."""

    at: datetime
    actor: str | None
    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_event(self) -> Event:
        return Event(self.kind, self.actor, self.data, self.text)


@dataclass(frozen=True)
class PageFact:
    person: str
    paged_at: datetime
    acked_at: datetime | None
    acked_by: str | None
    stops_escalation: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateFact:
    """A customer-facing draft: ``update``, ``initial``, ``resolution`` or ``review``."""

    kind: str
    drafted_at: datetime
    state: str
    decided_at: datetime | None
    decided_by: str | None
    sent_to: int


@dataclass(frozen=True)
class TickFact:
    item: str
    by: str
    at: datetime


@dataclass(frozen=True)
class AccountFact:
    id: str
    name: str
    tier: int
    thread: bool
    """Whether the tier keeps an account thread (and so a recovery checklist)."""
    ticks: tuple[TickFact, ...] = ()


@dataclass(frozen=True)
class MitigationFact:
    """A mitigation asked for: what, by whom, and who decided it when."""

    action: str
    requested_by: str
    requested_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None
    expires_at: datetime | None
    renewals: int = 0


@dataclass(frozen=True)
class SignalFact:
    """The earliest signal that raised or joined the incident: where the clock really starts."""

    at: datetime
    source: str
    service: str
    summary: str


@dataclass(frozen=True)
class IncidentFacts:
    ref: str
    title: str
    severity: str
    severity_label: str
    private: bool
    status: str
    summary: str
    declared_at: datetime
    declared_by: str
    commander: str
    resolved_at: datetime | None
    ack_within: timedelta | None
    update_every: timedelta | None
    """The incident's update interval (the shortest of its severity's and tiers')."""
    fix: str | None = None
    residual_risk: str | None = None
    customer_steps: str | None = None
    events: tuple[EventFact, ...] = ()
    pages: tuple[PageFact, ...] = ()
    updates: tuple[UpdateFact, ...] = ()
    accounts: tuple[AccountFact, ...] = ()
    mitigations: tuple[MitigationFact, ...] = ()
    users: Mapping[str, str] = field(default_factory=dict)
    """People configured by email: lower-cased email → the Slack user it resolved to."""
    first_signal: SignalFact | None = None
