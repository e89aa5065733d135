"""Delivers the outbox: claims due items, runs their effect against Slack, records the result.

Items run concurrently (Slack latency dominates); an item waiting on another (``after``) is
leased in the transaction that completes its parent and started right away with the parent's
result, so a chain of calls (channel, then brief) pays no claim round trip between its hops.
Urgent kinds (the opening of an incident) are claimed before the rest. Several processes may run
a dispatcher against one database: claims are leased, so each item has one deliverer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.paging.pagerduty import PagerFailure
from app.publishing.smtp import EmailFailure
from app.slack.gateway import SlackFailure
from app.store import outbox
from app.store.db import UnitOfWork
from app.store.models import AccountThread, Base, Incident, OutboxItem, Page
from app.webhooks.sender import WebhookFailure

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    result: dict[str, Any]
    incident: dict[str, Any] = field(default_factory=dict)
    """Incident columns to set in the transaction that marks the item done."""
    page: dict[str, Any] = field(default_factory=dict)
    """Columns of the page named by the job's ``page_id``, set in that same transaction."""
    thread: dict[str, Any] = field(default_factory=dict)
    """Columns of the account thread named by the job's ``thread_id``, likewise."""
    handoff: object = None
    """Handed in memory to the items this one starts itself (see ``Job.handoff``)."""


@dataclass(frozen=True)
class Job:
    """A claimed item, detached from its session, with the result of the item it waited on."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    incident_id: int | None
    attempts: int
    parent: dict[str, Any] | None
    handoff: object = None
    """What the parent's effect left for it when the parent started it directly (e.g. the
    incident view it just loaded, with the channel it created), so the effect need not reload
    it; None when claimed from the database. Any later change enqueues its own refresh."""

    @property
    def maybe_done_before(self) -> bool:
        """An earlier attempt may have reached Slack before the process died or timed out."""
        return self.attempts > 1


Effect = Callable[[Job], Awaitable[Outcome]]


def _apply(row: Base | None, values: dict[str, Any]) -> None:
    if row is not None:
        for name, value in values.items():
            setattr(row, name, value)


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    delay = timedelta(seconds=min(2 ** max(attempts - 1, 0), MAX_BACKOFF.total_seconds()))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def _job(item: OutboxItem, parent: dict[str, Any] | None, handoff: object = None) -> Job:
    return Job(
        id=item.id,
        key=item.key,
        kind=item.kind,
        payload=dict(item.payload),
        incident_id=item.incident_id,
        attempts=item.attempts,
        parent=parent,
        handoff=handoff,
    )


class Dispatcher:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        effects: Mapping[str, Effect],
        clock: Callable[[], datetime],
        lease: timedelta = timedelta(seconds=90),
        poll_interval: float = 0.5,
        concurrency: int = 128,
        urgent: Collection[str] = (),
    ) -> None:
        self.uow = uow
        self.effects = effects
        self.clock = clock
        self.lease = lease
        self.poll_interval = poll_interval
        self.concurrency = concurrency
        self.urgent = frozenset(urgent)
        """Kinds claimed before any other due item: what makes an incident usable."""
        self.worker = f"{uuid.uuid4().hex[:12]}"
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """Safe from any thread: a service that just committed items calls this."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            while True:
                # Cleared before claiming: a wake() during the claim is for items the claim may
                # not have seen, and must not be lost.
                self._wake.clear()
                if await self.cycle():
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
        finally:
            for task in list(self._running):
                task.cancel()

    async def cycle(self) -> int:
        room = self.concurrency - len(self._running)
        if room <= 0:
            return 0
        jobs = await asyncio.to_thread(self._claim, room)
        self._start(jobs)
        return len(jobs)

    def _start(self, jobs: list[Job]) -> None:
        for job in jobs:
            task = asyncio.create_task(self._deliver(job))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Deliver until nothing is due or in flight; for tests, drills and benchmarks."""
        async with asyncio.timeout(timeout):
            while True:
                claimed = await self.cycle()
                if not claimed and not self._running:
                    return
                if self._running:
                    await asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED)

    def _claim(self, limit: int) -> list[Job]:
        with self.uow() as session:
            items = outbox.claim_due(
                session,
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
                limit=limit,
                urgent=self.urgent,
            )
            parents = {
                item.id: session.get(OutboxItem, item.after_id) if item.after_id else None
                for item in items
            }
            return [
                _job(item, dict(parent.result or {}) if (parent := parents[item.id]) else None)
                for item in items
            ]

    async def _deliver(self, job: Job) -> None:
        effect = self.effects.get(job.kind)
        try:
            if effect is None:
                raise SlackFailure(job.kind, "no effect registered for this kind", False)
            outcome = await effect(job)
        except (SlackFailure, PagerFailure, WebhookFailure, EmailFailure) as failure:
            if failure.transient and job.attempts < MAX_ATTEMPTS:
                log.warning("outbox %s: %s; retrying", job.key, failure)
                await asyncio.to_thread(
                    self._retry, job, str(failure), backoff(job.attempts, failure.retry_after)
                )
            else:
                log.error("outbox %s failed for good: %s", job.key, failure)
                await asyncio.to_thread(self._give_up, job, str(failure))
        except Exception as error:  # a bug must not stop the other deliveries
            log.exception("outbox %s raised", job.key)
            if job.attempts < MAX_ATTEMPTS:
                await asyncio.to_thread(self._retry, job, repr(error), backoff(job.attempts, None))
            else:
                await asyncio.to_thread(self._give_up, job, repr(error))
        else:
            # Dependents start even when the dispatcher is full (of posts sleeping in the pacer,
            # typically): they are few, and what waits on a finished hop is what is late.
            self._start(await asyncio.to_thread(self._complete, job, outcome, self.concurrency))
        finally:
            self.wake()

    def _complete(self, job: Job, outcome: Outcome, room: int = 0) -> list[Job]:
        """Record the outcome and lease up to ``room`` due items that waited on this one."""
        now = self.clock()
        with self.uow() as session:
            done = outbox.complete(
                session, job.id, worker=self.worker, result=outcome.result, now=now
            )
            waiting: list[OutboxItem] = []
            if done:
                _apply(session.get(Incident, job.incident_id or 0), outcome.incident)
                _apply(session.get(Page, int(job.payload.get("page_id") or 0)), outcome.page)
                thread_id = int(job.payload.get("thread_id") or 0)
                _apply(session.get(AccountThread, thread_id), outcome.thread)
                if room > 0:
                    waiting = outbox.claim_waiting_on(
                        session, job.id, worker=self.worker, now=now, lease=self.lease, limit=room
                    )
            jobs = [_job(item, dict(outcome.result), outcome.handoff) for item in waiting]
            session.commit()
        return jobs

    def _retry(self, job: Job, error: str, delay: timedelta) -> None:
        with self.uow() as session:
            outbox.retry_later(
                session, job.id, worker=self.worker, error=error, at=self.clock() + delay
            )
            session.commit()

    def _give_up(self, job: Job, error: str) -> None:
        """Failed for good: say so in the incident channel, where someone can act on it."""
        now = self.clock()
        with self.uow() as session:
            outbox.give_up(session, job.id, worker=self.worker, error=error, now=now)
            if job.incident_id is not None and job.kind != "post_notice":
                outbox.enqueue(
                    session,
                    key=f"{job.key}:failed",
                    kind="post_notice",
                    now=now,
                    incident_id=job.incident_id,
                    payload={
                        "text": f":x: Beacon could not deliver `{job.kind}`"
                        f" after {job.attempts} attempt(s): {error}"
                    },
                )
            session.commit()
