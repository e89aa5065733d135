"""When the next status update is due: pure rules, no scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta


def first_update_due(declared_at: datetime, interval: timedelta | None) -> datetime | None:
    """The first update is due one interval after the declaration (SPEC 5.3)."""
    return declared_at + interval if interval else None
