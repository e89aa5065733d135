"""Pacing every Web API method Beacon calls at its Slack tier, before Slack has to say 429.

Slack limits each method "per API method per app per workspace" in per-minute windows with
bursts tolerated: Tier 1 = 1+/min, Tier 2 = 20+, Tier 3 = 50+, Tier 4 = 100+ (slack/FACTS.md
section 1, https://api.slack.com/docs/rate-limits). A bucket per method holds one minute's quota
and refills at that quota per minute (less a margin), so a burst goes out at once and the rest
at the tier's pace: channel creation under a storm of declarations uses its Tier 2 budget fully
instead of bouncing off 429s and backing off while budget is free. A 429 that still comes
(another process shares the budget) empties the method's bucket for its ``Retry-After``.
chat.postMessage has its own per-channel and workspace pacing (app/slack/pacing.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from app.slack.pacing import TokenBucket

PER_MINUTE = {
    "auth.test": 600.0,  # Special: "hundreds per minute"
    "chat.postEphemeral": 100.0,
    "chat.update": 50.0,
    "conversations.create": 20.0,
    "conversations.history": 50.0,
    "conversations.invite": 50.0,
    "conversations.join": 50.0,
    "conversations.list": 20.0,
    "conversations.open": 50.0,
    "conversations.replies": 50.0,
    "conversations.setTopic": 20.0,
    "pins.add": 20.0,
    "users.lookupByEmail": 50.0,
    "views.open": 100.0,
    "views.publish": 100.0,
}
DEFAULT_PER_MINUTE = 20.0
"""Slack: "most methods allow at least 20 requests per minute" (Tier 2)."""
UNPACED = frozenset({"chat.postMessage"})
MARGIN = 0.1
"""Seconds added to each call's share of the minute, and one call of the burst kept back: the
calls arrive at Slack later and less evenly than they leave (queues, new connections), and Slack
counts arrivals."""


class TierPacer:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def _bucket(self, method: str) -> TokenBucket:
        bucket = self._buckets.get(method)
        if bucket is None:
            quota = PER_MINUTE.get(method, DEFAULT_PER_MINUTE)
            rate = 1.0 / (60.0 / quota + MARGIN)
            bucket = self._buckets[method] = TokenBucket(rate, quota - 1, self._clock)
        return bucket

    async def wait(self, method: str) -> None:
        """Return when a call of ``method`` may go out; the caller makes it right away."""
        if method in UNPACED:
            return
        if (delay := self._bucket(method).delay()) > 0:
            await asyncio.sleep(delay)

    def hold(self, method: str, seconds: float) -> None:
        """Slack said 429 with ``Retry-After: seconds``: nobody calls ``method`` before then."""
        if method not in UNPACED:
            self._bucket(method).hold(seconds)
