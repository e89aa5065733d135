"""Why an escalation page was sent: who was paged and has not acknowledged, and for how long
(SPEC 5.2), so the person woken by it knows what they are stepping into."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from app.catalog.durations import format_duration
from app.domain.people import mention
from app.routing.targets import Routing

_LISTED = 3


class SentPage(Protocol):
    person: str
    user_id: str | None
    """The Slack user a person configured by email resolved to, once the page was delivered."""
    reasons: list[str]
    stops_escalation: bool
    paged_at: datetime
    acked_at: datetime | None


def _minutes(delta: timedelta) -> str:
    """Whole minutes once past one: "15m", not "15m2s"."""
    if delta >= timedelta(minutes=1):
        delta = timedelta(minutes=int(delta.total_seconds() // 60))
    return format_duration(delta)


def unacknowledged(pages: Iterable[SentPage], now: datetime) -> str | None:
    """E.g. "escalated: no acknowledgement from <@U0PAY3> (on-call for Payments) in 15m";
    None when no responder page is waiting (a manual escalation may still be asked for)."""
    waiting = [page for page in pages if page.stops_escalation and page.acked_at is None]
    if not waiting:
        return None
    listed = [
        f"{mention(page.user_id or page.person)} ({', '.join(page.reasons)})"
        f" in {_minutes(now - page.paged_at)}"
        for page in waiting[:_LISTED]
    ]
    more = f" and {len(waiting) - _LISTED} more" if len(waiting) > _LISTED else ""
    return f"escalated: no acknowledgement from {'; '.join(listed)}{more}"


def with_reason(routing: Routing, reason: str | None) -> Routing:
    """Every target of ``routing`` also carries ``reason``."""
    if not reason:
        return routing
    targets = tuple(
        replace(target, reasons=(*target.reasons, reason)) for target in routing.targets
    )
    return replace(routing, targets=targets)
