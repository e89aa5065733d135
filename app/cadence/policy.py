"""When the next status update is due and when to remind about it: pure rules, no scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta

NUDGE, OVERDUE, UPDATE_ESCALATION = "nudge", "overdue", "update_escalation"
KINDS = (NUDGE, OVERDUE, UPDATE_ESCALATION)


def reminders(
    due: datetime | None, *, interval: timedelta | None, remind_before: timedelta
) -> list[tuple[str, datetime]]:
    """A nudge ``remind_before`` the due time, an overdue notice at it, and an escalation one
    interval later. The nudge never comes before the interval started, even when
    ``remind_before`` is longer than the interval."""
    if due is None or interval is None:
        return []
    nudge = due - min(remind_before, interval)
    return [(NUDGE, nudge), (OVERDUE, due), (UPDATE_ESCALATION, due + interval)]
