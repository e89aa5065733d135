"""How a delivery that did not go through says so, whichever service refused it (Slack,
PagerDuty, a webhook, an SMTP server): the dispatcher retries transient failures, waiting at
least ``retry_after``, and gives up on the rest."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class DeliveryFailure(Exception):
    """A call the receiving service refused; ``transient`` says whether trying again can help,
    ``retry_after`` how many seconds it asked us to wait first (None: it did not say)."""

    rate_limited = False
    """The service refused the call for its rate limit (Slack's 429) and did not apply it: it
    goes again after ``retry_after`` without counting as a failed attempt."""

    def __init__(self, error: str, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(error, transient, retry_after)
        self.error = error
        self.transient = transient
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.error

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.error!r}, transient={self.transient})"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date, RFC 9110 10.2.3);
    None when absent or unusable, never negative."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
