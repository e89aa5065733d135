"""Escalation patterns (SPEC 5.8) that declare from a triage card without waiting for a person.

Each returns the reason to name in the incident and on its timeline, or None.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from app.catalog.durations import format_duration
from app.catalog.models import SignalsConfig


def repeats(config: SignalsConfig, firings: Iterable[datetime], now: datetime) -> str | None:
    """The same alert started firing ``count`` times inside ``within`` (flapping)."""
    rule = config.repeats
    if rule is None:
        return None
    recent = sum(1 for at in firings if at >= now - rule.within)
    if recent < rule.count:
        return None
    return f"repeats: fired {recent} times within {format_duration(rule.within)}"


def customer_reports(
    config: SignalsConfig, reports: Iterable[tuple[str, datetime]], now: datetime
) -> str | None:
    """Distinct accounts reporting one service inside ``within``."""
    rule = config.customer_reports
    if rule is None:
        return None
    accounts = sorted({account for account, at in reports if at >= now - rule.within})
    if len(accounts) < rule.accounts:
        return None
    return (
        f"customer_reports: {len(accounts)} accounts reported it within "
        f"{format_duration(rule.within)} ({', '.join(accounts)})"
    )


def sustained_due(config: SignalsConfig, opened_at: datetime) -> datetime | None:
    return opened_at + config.sustained if config.sustained else None


def sustained(config: SignalsConfig) -> str:
    span = config.sustained or timedelta()
    return f"sustained: still firing {format_duration(span)} after its card appeared"
