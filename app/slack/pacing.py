"""Keeping under Slack's posting limits before Slack has to say 429.

chat.postMessage allows about one message per second per channel, with short bursts, and a
workspace-wide budget (slack/FACTS.md). Spacing per channel and a token bucket for the workspace
make a fan-out to hundreds of threads flow at the allowed pace instead of bouncing off 429s (a
429 costs at least a second); the Retry-After handling in the client still covers other
processes sharing the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable

Priority = tuple[int, int]
"""(0 for urgent kinds else 1, the item's priority): lower goes first."""
LOWEST: Priority = (1, 0)


class TokenBucket:
    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.clock = clock
        self.updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def delay(self) -> float:
        """Take a token now (going into debt if needed); return how long to wait for it."""
        self._refill()
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def take_if_free(self) -> bool:
        """Take a token if one is there now, without going into debt."""
        self._refill()
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def hold(self, seconds: float) -> None:
        """Empty the bucket so that the next token comes ``seconds`` from now at the earliest."""
        self._refill()
        self.tokens = min(self.tokens, -seconds * self.rate)


class ChannelBudget(TokenBucket):
    """A channel's token bucket, charged when a post actually leaves rather than when it starts
    waiting, so a post held back by the workspace budget does not shorten the gap to the next."""

    def delay(self) -> float:
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self._refill()
        self.tokens -= 1


class PriorityLock:
    """A lock handed to the most urgent waiter (then the earliest) rather than the first: a page
    of a SEV1 waiting for someone's DM channel must not queue behind a SEV3 page to them that
    itself waits for a workspace token."""

    def __init__(self) -> None:
        self._held = False
        self._waiters: list[tuple[Priority, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @contextlib.asynccontextmanager
    async def hold(self, priority: Priority) -> AsyncIterator[None]:
        if self._held or self._waiters:
            turn = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (priority, next(self._arrivals), turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():  # handed over just now: pass it on
                    self._release()
                raise
        self._held = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiters:
            _, _, turn = heapq.heappop(self._waiters)
            if not turn.done():
                turn.set_result(None)  # the lock passes to that waiter, still held
                return
        self._held = False


class Pacer:
    """Per channel, posts go one at a time through the channel's budget (``channel_burst`` back
    to back, then one per ``1 / channel_rate`` plus a margin for network jitter); the workspace
    token is taken only once the channel is ready, so a post waiting on its channel never holds
    a workspace slot it cannot use. The workspace burst stays below Slack's so jitter cannot
    exhaust its bucket. Workspace tokens go to the most urgent post waiting (``priority``, lower
    first: pages of the most severe incidents), not to whichever came first."""

    def __init__(
        self,
        *,
        channel_rate: float = 1.0,
        channel_burst: float = 3.0,
        channel_margin: float = 0.05,
        workspace_rate: float = 20.0,
        workspace_burst: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._channel = (1.0 / (1.0 / channel_rate + channel_margin), channel_burst)
        self._channels: dict[str, ChannelBudget] = {}
        self._locks: dict[str, PriorityLock] = {}
        self._workspace = TokenBucket(workspace_rate, workspace_burst, clock)
        self._turns: list[tuple[Priority, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()
        self._releaser: asyncio.Task[None] | None = None

    async def wait(self, channel: str, priority: Priority = LOWEST) -> None:
        """Return when a post to ``channel`` may go out; the caller sends it right away."""
        budget = self._channels.get(channel)
        if budget is None:
            budget = self._channels[channel] = ChannelBudget(*self._channel, self._clock)
        lock = self._locks.get(channel)
        if lock is None:
            lock = self._locks[channel] = PriorityLock()
        async with lock.hold(priority):
            if (delay := budget.delay()) > 0:
                await asyncio.sleep(delay)
            await self._workspace_turn(priority)
            budget.take()

    async def _workspace_turn(self, priority: Priority) -> None:
        """At once when a token is free and no post waits for one: through the releaser, the
        post would first queue behind every task the event loop has ready (a dispatcher starting
        a claim's twenty deliveries), which is most of a brief's wait after its channel."""
        if not self._turns and self._workspace.take_if_free():
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._turns, (priority, next(self._arrivals), turn))
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.create_task(self._release())
        await turn

    async def _release(self) -> None:
        """Hand out workspace tokens at the workspace rate, each to the most urgent waiter."""
        while self._turns:
            if (delay := self._workspace.delay()) > 0:
                await asyncio.sleep(delay)
            _, _, turn = heapq.heappop(self._turns)
            if not turn.done():
                turn.set_result(None)
