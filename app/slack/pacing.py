"""Keeping under Slack's posting limits before Slack has to say 429.

chat.postMessage allows about one message per second per channel, with short bursts, and a
workspace-wide budget (slack/FACTS.md). Token buckets per channel and for the workspace make a
fan-out to hundreds of threads flow at the allowed pace instead of bouncing off 429s; the
Retry-After handling in the client still covers other processes sharing the budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.clock = clock
        self.updated = clock()

    def delay(self) -> float:
        """Take a token now (going into debt if needed); return how long to wait for it."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Pacer:
    def __init__(
        self,
        *,
        channel_rate: float = 1.0,
        channel_burst: float = 3.0,
        workspace_rate: float = 20.0,
        workspace_burst: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._channel = (channel_rate, channel_burst)
        self._channels: dict[str, TokenBucket] = {}
        self._workspace = TokenBucket(workspace_rate, workspace_burst, clock)

    async def wait(self, channel: str) -> None:
        bucket = self._channels.get(channel)
        if bucket is None:
            bucket = self._channels[channel] = TokenBucket(*self._channel, self._clock)
        delay = max(bucket.delay(), self._workspace.delay())
        if delay > 0:
            await asyncio.sleep(delay)
