"""What renderers need to know about an incident, detached from the database and from Slack.

Built once per render from the stored incident and the catalog, so blocks.py never reaches into
ORM objects or configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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

    @property
    def status_label(self) -> str:
        return self.status.capitalize()


def clock_time(moment: datetime | None) -> str:
    return moment.strftime("%H:%M UTC") if moment else "none scheduled"


def topic(view: IncidentView) -> str:
    """``SEV1 · Investigating · IC @x · next update 14:30 UTC`` (SPEC 5.1)."""
    parts = [view.severity, view.status_label, f"IC <@{view.commander}>"]
    if view.status != "resolved":
        parts.append(f"next update {clock_time(view.next_update_due)}")
    return " · ".join(parts)
