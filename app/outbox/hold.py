"""Holding deliveries back while `beacon serve`'s web process answers a burst of requests: on
a small host the worker's deliveries would take the CPU its acks need, and an ack has 3 s where
a page's DM can wait a few hundred milliseconds (app/worker_process.py says when). The
dispatcher claims and records nothing and the Slack gateway makes no call while a hold is on:
a delivery waiting to be recorded then is redone if the worker dies before the hold ends, as
one whose call is under way would be."""

from __future__ import annotations

import asyncio
import time

MAX_HOLD = 3.0
"""Seconds a claim or a Slack call waits for holds that keep coming, as long as a declaration
waits for a burst of requests to end (app/ack_first.py): a burst that never ends still lets a
claim (of up to the dispatcher's ``concurrency`` items) through every ``MAX_HOLD`` seconds."""


class Hold:
    def __init__(self) -> None:
        self._until = 0.0
        """Monotonic seconds until which nothing is claimed, called or recorded."""

    def hold(self, seconds: float) -> None:
        """Claim, call Slack and record nothing for ``seconds``: deliveries in flight wait at
        their next Slack call or, finished, to be recorded."""
        self._until = max(self._until, time.monotonic() + seconds)

    def on(self) -> bool:
        """Whether claims are held now; what waited on a delivery finishing meanwhile waits for
        the next claim, as a delivery's dependents would otherwise go on starting."""
        return time.monotonic() < self._until

    async def over(self) -> None:
        """Until no hold is on, or for ``MAX_HOLD`` at most."""
        deadline = time.monotonic() + MAX_HOLD
        while (left := min(self._until, deadline) - time.monotonic()) > 0:
            await asyncio.sleep(left)
