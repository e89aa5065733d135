"""Scheduler wiring, thin: APScheduler polls the durable timers table and fires what is due.

The deadlines live in the database, not in APScheduler's memory, so they survive restarts and
any number of workers can poll: the timer row itself decides who fires it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


class TimerJobs:
    def __init__(self, fire_due: Callable[[], int], *, interval: float = 1.0) -> None:
        self.fire_due = fire_due
        self.interval = interval
        self.scheduler: AsyncIOScheduler | None = None

    async def tick(self) -> None:
        try:
            await asyncio.to_thread(self.fire_due)
        except Exception:  # one bad timer must not stop the clock for the others
            log.exception("firing due timers failed")

    def start(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval,
            max_instances=1,
            coalesce=True,
            id="beacon.timers",
        )
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
