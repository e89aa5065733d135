"""How a service that just committed outbox items wakes the dispatcher at once, instead of at
its next poll. Services ring it (from any thread, after their commit); the dispatcher waits on
it. Built before either, so neither needs the other to be built first."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Doorbell:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._forward: Callable[[], None] | None = None

    def listen(self) -> asyncio.Event:
        """The event set by each ring from now on; called inside the dispatcher's loop."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        return self._event

    def forward(self, ring: Callable[[], None]) -> None:
        """Rings go on to a dispatcher in another process (`beacon serve`'s worker)."""
        self._forward = ring

    def ring(self) -> None:
        """Safe from any thread; does nothing while nobody listens."""
        if self._forward is not None:
            self._forward()
        if self._loop is not None and self._event is not None:
            self._loop.call_soon_threadsafe(self._event.set)
