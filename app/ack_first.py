"""Acks before background work: a declaration's transaction waits out a burst of requests.

Slack gives a request 3 s and a slow ack feels broken, but the work a slash command starts after
its ack (a declaration: one write transaction of tens of milliseconds) runs in the same process.
Its thread takes the GIL from the event loop and its transaction holds the database's write
lock, which every request's replay check needs before it is answered. Under a burst of
commands that work would sit in front of every later ack. So the edge notes when each request
arrives, and such work takes its turn, one job at a time, once no other request has arrived
within ``WINDOW`` (or after ``MAX_DEFER``, so a steady stream cannot starve it). A lone command
is not delayed: its own request is the only recent one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

WINDOW = 0.1
"""Seconds: more than one request arriving within this is a burst."""
MAX_DEFER = 3.0
"""Seconds a job waits for a burst to end before it runs anyway."""
POLL = 0.005
"""Seconds between looks while waiting."""


class AckFirst:
    def __init__(self) -> None:
        self._arrivals: deque[float] = deque()
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        """One lock per event loop: a Beacon may serve a test's loops in turn."""
        self._later: set[asyncio.Task[None]] = set()

    def arrived(self) -> bool:
        """The edge calls this for every request, before answering it; whether a burst is on
        (this request is not the only one within ``WINDOW``)."""
        now = time.monotonic()
        self._arrivals.append(now)
        self._forget(now)
        return len(self._arrivals) > 1

    def _forget(self, now: float) -> None:
        while self._arrivals and self._arrivals[0] < now - WINDOW:
            self._arrivals.popleft()

    def busy(self) -> bool:
        """More than one request arrived within the last ``WINDOW``."""
        self._forget(time.monotonic())
        return len(self._arrivals) > 1

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Around work started after an ack: it runs alone, once the burst is over (or after
        ``MAX_DEFER``)."""
        turns = self._turns.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with turns:
            deadline = time.monotonic() + MAX_DEFER
            while self.busy() and time.monotonic() < deadline:
                await asyncio.sleep(POLL)
            yield

    def later(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``work`` in a task of its own, so that the listener that acked returns at once.
        While work waits out a burst it keeps only what it closes over; a listener waiting with
        it kept Bolt's whole request and context alive, and every garbage collection during
        the burst walked those of every request waiting."""
        task = asyncio.get_running_loop().create_task(work())
        self._later.add(task)
        task.add_done_callback(self._later.discard)
