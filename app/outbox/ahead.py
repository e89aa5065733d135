"""Items leased ahead: what waits on a delivery is leased while that delivery runs, and starts
with its outcome the moment there is one, while the outcome is being recorded.

A declaration's channel is the first of three Slack calls in a row before the incident is
usable (channel, brief, pin). Recording the channel and leasing the brief in one transaction
put 5-7 ms between the channel's answer and the brief's request (docs/benchmarks.md, eleventh
pass); leased during the channel's own call, the brief goes out as its answer arrives. The
leases make the items this dispatcher's alone, as its parent is: nobody else claims them before
they run out, and the heartbeat renews them until they start. A parent that fails gives them
back in the transaction that records its failure (``release``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from app.store.models import OutboxItem

log = logging.getLogger(__name__)


class Ahead:
    def __init__(self, lease: Callable[[list[int]], list[OutboxItem]]) -> None:
        self._lease = lease
        """Leases the due items waiting on any of some item ids, in a transaction of its own."""
        self._leasing: dict[int, asyncio.Task[list[OutboxItem]]] = {}
        """By parent, until taken. One claim's channels share one transaction: on SQLite every
        transaction queues for the one write lock, a request's replay check included."""

    def lease(self, parents: list[int]) -> None:
        """Lease what waits on ``parents``, whose deliveries are starting, in a thread
        meanwhile."""
        if parents:
            leasing = asyncio.create_task(asyncio.to_thread(self._lease, parents))
            self._leasing.update(dict.fromkeys(parents, leasing))

    async def take(self, parent: int) -> list[OutboxItem]:
        """What was leased ahead of ``parent``, now for the caller to start or give back; none
        if nothing was, or if leasing failed (then its outcome's transaction leases them, as
        it does for any delivery)."""
        leasing = self._leasing.pop(parent, None)
        if leasing is None or leasing.cancelled():  # by a shutdown, whose leases run out
            return []
        try:
            leased = await leasing
        except Exception as error:
            log.warning("outbox: leasing what waits on item %s failed: %r", parent, error)
            return []
        return [item for item in leased if item.after_id == parent]

    def held(self) -> list[int]:
        """The items leased and not started yet, whose leases the heartbeat renews."""
        return [
            item.id
            for leasing in set(self._leasing.values())
            if leasing.done() and not leasing.cancelled() and leasing.exception() is None
            for item in leasing.result()
            if item.after_id in self._leasing
        ]
