"""Acks before background work: a declaration's transaction waits while requests are unanswered.

Slack gives a request 3 s and a slow ack feels broken, but the work a slash command starts after
its ack (a declaration: one write transaction of tens of milliseconds) runs in the same process.
Its thread takes the GIL from the event loop and its transaction holds the database's write
lock, which every request's replay check needs before it is answered. Under a burst of
commands that work would sit in front of every later ack. So the edge counts the requests it
has not answered yet, and such work takes its turn when there are none (or after
``MAX_DEFER``, so a steady stream cannot starve it), one job at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

MAX_DEFER = 3.0
"""Seconds a job waits for a quiet moment before it runs anyway."""


class AckFirst:
    def __init__(self) -> None:
        self.unanswered = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._quiet = asyncio.Event()
        self._turns = asyncio.Lock()

    def _bind(self) -> None:
        """Fresh primitives per event loop: one Beacon may serve a test's loops in turn."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._quiet = asyncio.Event()
            self._turns = asyncio.Lock()
            if self.unanswered == 0:
                self._quiet.set()

    @contextlib.asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """Around answering one request."""
        self._bind()
        self.unanswered += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self.unanswered -= 1
            if self.unanswered == 0:
                self._quiet.set()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Around work started after an ack: it runs alone, once no request waits (or after
        ``MAX_DEFER``)."""
        self._bind()
        async with self._turns:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), MAX_DEFER)
            yield
