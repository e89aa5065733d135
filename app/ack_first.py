"""Acks before background work: a declaration's transaction waits out a burst of requests.

Slack gives a request 3 s and a slow ack feels broken, but the work a slash command starts after
its ack (a declaration: one write transaction of tens of milliseconds) runs in the same process.
Its thread takes the GIL from the event loop and its transaction holds the database's write
lock, which every request's replay check needs before it is answered. Under a burst of
commands that work would sit in front of every later ack. So the edge notes each request from
its arrival until it is answered, and such work takes its turn, one job at a time, once no
request is being answered and no other has arrived within ``WINDOW`` (or after ``MAX_DEFER``,
so a steady stream cannot starve it). Arrivals alone would let work in whenever the event loop
stalled for ``WINDOW`` in the middle of a burst, and each job let in would stall it again. A
lone command is not delayed: its work goes on once its listener has acked.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any

WINDOW = 0.1
"""Seconds: more than one request arriving within this is a burst."""
MAX_DEFER = 3.0
"""Seconds a job waits for a burst to end before it runs anyway."""
LOOK_AROUND = 0.002
"""Seconds a job waits before it looks whether a burst is on. A burst's first request is
answered before the event loop has read the others, which have reached its sockets meanwhile:
its job, let in at once, took the GIL from the whole first wave of acks (a round's p99 went
from 14 to 25 ms, docs/benchmarks.md). One look at the sockets lets them count."""


_ANSWER: ContextVar[list[bool] | None] = ContextVar("answer", default=None)
"""The request being answered, as the listener that answers it sees it (Bolt runs the listener
in a task of its own, which starts with a copy of the edge's context): whether it is still
counted as being answered."""


class AckFirst:
    def __init__(self) -> None:
        self._arrivals: deque[float] = deque()
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        """One lock per event loop: a Beacon may serve a test's loops in turn."""
        self._later: set[asyncio.Task[None]] = set()
        self._answering = 0
        self._quiet: asyncio.Future[None] | None = None
        """What work waiting for the requests being answered awaits; done when none is."""

    def arrived(self) -> bool:
        """Whether a burst is on (this request is not the only one within ``WINDOW``)."""
        now = time.monotonic()
        self._arrivals.append(now)
        self._forget(now)
        return len(self._arrivals) > 1

    @contextlib.contextmanager
    def answering(self) -> Iterator[bool]:
        """Around the edge's answer to each request; whether a burst is on."""
        burst = self.arrived()
        self._answering += 1
        pending = [True]
        token = _ANSWER.set(pending)
        try:
            yield burst
        finally:
            _ANSWER.reset(token)
            self._answered(pending)

    def _answered(self, pending: list[bool]) -> None:
        if pending[0]:
            pending[0] = False
            self._answering -= 1
            if not self._answering and self._quiet is not None and not self._quiet.done():
                self._quiet.set_result(None)

    def _forget(self, now: float) -> None:
        while self._arrivals and self._arrivals[0] < now - WINDOW:
            self._arrivals.popleft()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Around work started after an ack: it runs alone, once the burst is over (or after
        ``MAX_DEFER``)."""
        loop = asyncio.get_running_loop()
        async with self._turns.setdefault(loop, asyncio.Lock()):
            await asyncio.sleep(LOOK_AROUND)
            deadline = time.monotonic() + MAX_DEFER
            while (now := time.monotonic()) < deadline:
                self._forget(now)
                if self._answering:
                    self._quiet = loop.create_future()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(deadline - now):
                            await self._quiet
                elif len(self._arrivals) > 1:  # until the window holds the last one only
                    await asyncio.sleep(min(self._arrivals[-2] + WINDOW, deadline) - now)
                else:
                    break
            yield

    def later(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``work`` in a task of its own, so that the listener that acked returns at once.
        While work waits out a burst it keeps only what it closes over; a listener waiting with
        it kept Bolt's whole request and context alive, and every garbage collection during
        the burst walked those of every request waiting. Called once the listener has acked:
        its request counts as answered from here, though Bolt sends the ack only when its next
        look (every 10 ms) finds it, so that a lone declaration starts without waiting for it."""
        if (pending := _ANSWER.get()) is not None:
            self._answered(pending)
        task = asyncio.get_running_loop().create_task(work())
        self._later.add(task)
        task.add_done_callback(self._later.discard)
