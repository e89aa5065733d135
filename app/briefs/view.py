"""What renderers need to know about an incident, detached from the database and from Slack.

Built once per render from the stored incident and the catalog, so blocks.py never reaches into
ORM objects or configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.catalog.models import Account
from app.routing.impact import Score


@dataclass(frozen=True)
class ServiceLine:
    id: str
    name: str
    named: bool
    """Named by the declarer, as opposed to hit through a dependency."""
    runbook: str | None = None


@dataclass(frozen=True)
class AccountLine:
    id: str
    name: str
    tier: int


@dataclass(frozen=True)
class MitigationView:
    """A requested mitigation and its fate, for its card, the brief and the review."""

    id: int
    ref: str
    action: str
    reason: str | None
    requested_by: str
    requested_at: datetime
    state: str
    """``pending``, ``authorised``, ``denied`` or ``lapsed``."""
    decided_by: str | None = None
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    renewals: int = 0
    renewed_by: str | None = None


@dataclass(frozen=True)
class IncidentView:
    ref: str
    number: int
    title: str
    severity: str
    severity_label: str
    declared_severity: str
    raised_because: tuple[str, ...]
    status: str
    private: bool
    customer_visible: bool
    commander: str
    comms_lead: str | None
    declared_by: str
    declared_at: datetime
    summary: str
    services: tuple[ServiceLine, ...]
    accounts: tuple[AccountLine, ...]
    """Sorted by tier, then name."""
    next_update_due: datetime | None
    channel_id: str | None
    channel_name: str | None
    mitigations: tuple[MitigationView, ...] = ()
    """Every mitigation asked for, oldest first."""

    @property
    def status_label(self) -> str:
        return self.status.capitalize()

    @property
    def mitigations_in_force(self) -> tuple[MitigationView, ...]:
        return tuple(m for m in self.mitigations if m.state == "authorised")


def clock_time(moment: datetime | None) -> str:
    return moment.strftime("%H:%M UTC") if moment else "none scheduled"


def topic(view: IncidentView) -> str:
    """``SEV1 · Investigating · IC @x · next update 14:30 UTC`` (SPEC 5.1)."""
    parts = [view.severity, view.status_label, f"IC <@{view.commander}>"]
    if view.status != "resolved":
        parts.append(f"next update {clock_time(view.next_update_due)}")
    return " · ".join(parts)


@dataclass(frozen=True)
class DraftView:
    """A customer-facing draft and its fate, for the approval card."""

    id: int
    ref: str
    kind: str
    text: str
    state: str
    drafted_by: str | None
    edited_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    sent_to: int
    version: int = 1
    """The card's buttons carry it: Approve sends exactly this version."""


@dataclass(frozen=True)
class ThreadView:
    """An account's thread parent: what the liaison sees first."""

    incident: IncidentView
    account_name: str
    tier: int
    liaison: str | None
    subscribers: tuple[str, ...]


@dataclass(frozen=True)
class AccountCard:
    account: Account
    tier: int
    score: Score
    services: tuple[str, ...]
    """Customer-facing names of the services it uses."""
    open_incidents: tuple[str, ...]
    status_url: str | None = None
    """The account's private status page, for its liaison's eyes only (SPEC 5.9)."""


@dataclass(frozen=True)
class ChecklistLine:
    item: str
    label: str
    by: str | None
    at: datetime | None


@dataclass(frozen=True)
class ChecklistView:
    """The recovery checklist in one account thread."""

    ref: str
    thread_id: int
    account_name: str
    lines: tuple[ChecklistLine, ...]

    @property
    def done(self) -> bool:
        return all(line.by for line in self.lines)
