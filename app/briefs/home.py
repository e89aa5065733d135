"""What a viewer's App Home shows, detached from the database and from Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.reviews.metrics import Aggregate


@dataclass(frozen=True)
class HomeIncident:
    ref: str
    title: str
    severity: str
    status: str
    commander: str
    next_update_due: datetime | None
    channel_id: str | None
    private: bool


@dataclass(frozen=True)
class HomePage:
    page_id: int
    ref: str
    title: str
    severity: str
    reasons: tuple[str, ...]
    paged_at: datetime


@dataclass(frozen=True)
class HomeView:
    user: str
    now: datetime
    incidents: tuple[HomeIncident, ...]
    pages: tuple[HomePage, ...]
    """The viewer's unacknowledged pages for open incidents."""
    subscriptions: tuple[str, ...]
    total: Aggregate
    severities: tuple[Aggregate, ...]
    tiers: tuple[Aggregate, ...]
