"""Whether a signed request to ``/slack/events`` is seen for the first time (SPEC 6).

A request's signature stays valid for five minutes, so the same signed request sent again (a
replay, or a retry of one Beacon answered) must not act twice: the edge asks one of these for
each request's key before Bolt sees it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from base64 import urlsafe_b64encode
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager

log = logging.getLogger(__name__)

REPLAY_WINDOW = 300
"""Seconds a signed request stays valid (slack/FACTS.md section 3)."""
REPLAY_MEMORY = 2 * REPLAY_WINDOW
"""Seconds a request's key is remembered: longer than its signature is accepted for."""
STORE_AFTER = 1.0
"""Seconds a remembered key waits to be stored with the others seen meanwhile. Stored at once,
it would ask for SQLite's write lock just as the work its request started (a declaration's
transaction) does, and one of them would sleep in SQLite's busy handler (1 ms, then 2, 5, 10…)."""


def replay_key(timestamp: str, body: bytes) -> str:
    """One signed request: its timestamp and body (what the signature covers), in 47 characters
    (the dedupe table keys on 64). Slack's own Events API retries come up to five minutes later,
    so they must carry a fresh timestamp to pass any verifier: they get past this and are
    dropped by their ``event_id`` instead (app/store/resolution.py)."""
    digest = hashlib.sha256(timestamp.encode() + b":" + body).digest()
    return "req:" + urlsafe_b64encode(digest).decode().rstrip("=")


class ReplayCheck:
    """Whether a request key is new, asked of the database for every request waiting at that
    moment at once: one write transaction per batch instead of one per request, so a burst of
    commands is not answered one database commit after another. ``first_requests(keys)`` is the
    set of keys stored for the first time, across processes (blocking: it runs in a thread)."""

    def __init__(self, first_requests: Callable[[list[str]], set[str]]) -> None:
        self.first_requests = first_requests
        self._waiting: list[tuple[str, asyncio.Future[bool]]] = []
        self._draining = False
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="replay-check")
        """A thread of its own (one batch runs at a time): in the event loop's default
        threads, every ack would queue behind the outbox dispatcher's database work."""

    async def __call__(self, key: str) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    keys = [k for k, _ in batch]
                    loop = asyncio.get_running_loop()
                    fresh = await loop.run_in_executor(self._thread, self.first_requests, keys)
                except Exception as error:  # each waiting request fails as it would alone
                    for _, future in batch:
                        future.set_exception(error)
                    continue
                for key, future in batch:
                    future.set_result(key in fresh)
                    fresh.discard(key)  # the same request twice in one batch: once is new
        finally:
            self._draining = False


class RememberedRequests:
    """Whether a request key is new, for a process that is the only one Slack's requests reach:
    on SQLite (one host; SPEC runs several web processes only on PostgreSQL). Every write to
    SQLite waits for the one database lock, which the worker holds while it delivers, so under a
    burst each ack would wait for deliveries. Here the keys seen are held in memory, where the
    answer comes from, and stored ``STORE_AFTER`` later, together, so that a restarted process
    reads the last minutes' keys back (``known``). Storing takes its ``turn`` (``AckFirst``)
    as a declaration does: its thread would take the GIL and the database lock from the acks of
    a burst still coming in."""

    def __init__(
        self,
        first_requests: Callable[[list[str]], set[str]],
        known: Iterable[str],
        turn: Callable[[], AbstractAsyncContextManager[None]],
    ) -> None:
        start = time.monotonic()
        self.first_requests = first_requests
        self.turn = turn
        self._order = deque((start, key) for key in known)
        self._seen = {key for _, key in self._order}
        self._unstored: list[str] = []
        self._storing: asyncio.Task[None] | None = None

    async def __call__(self, key: str) -> bool:
        now = time.monotonic()
        while self._order and self._order[0][0] < now - REPLAY_MEMORY:
            self._seen.discard(self._order.popleft()[1])
        if key in self._seen:
            return False
        self._seen.add(key)
        self._order.append((now, key))
        self._unstored.append(key)
        if self._storing is None:
            self._storing = asyncio.get_running_loop().create_task(self._store_later())
        return True

    async def _store_later(self) -> None:
        while self._unstored:
            await asyncio.sleep(STORE_AFTER)
            async with self.turn():
                await self.flush()
        self._storing = None

    async def flush(self) -> None:
        """Store the keys not stored yet; at shutdown, so that a restart remembers them."""
        keys, self._unstored = self._unstored, []
        if keys:
            try:
                await asyncio.to_thread(self.first_requests, keys)
            except Exception as error:
                log.warning(
                    "could not store %d requests' keys against replays: %s", len(keys), error
                )
