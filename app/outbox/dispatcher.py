"""Delivers the outbox: claims due items, runs their effect (in Slack, PagerDuty, a webhook, a
mailbox), records the result. Effects say a delivery did not go through with a
``DeliveryFailure``: transient ones are retried with backoff (never sooner than the service's
``Retry-After``), the rest given up and reported in the incident channel.

Items run concurrently (Slack latency dominates); an item waiting on another (``after``) is
leased in the transaction that completes its parent and started right away with the parent's
result, so a chain of calls (channel, then brief) pays no claim round trip between its hops;
what waits on a channel is leased while the channel is made and starts with its answer
(app/outbox/ahead.py).
Urgent kinds (pages, the opening of an incident) are claimed before the rest, most severe first.
Kinds bound by a slow Slack tier (channel creation, App Home) run in lanes of their own, so
their waits never hold the slots pages need. Several processes may run a dispatcher against one
database: claims are leased (short leases renewed while the effect runs), so each item has one
deliverer and a crashed one's items are retried within seconds.

Database and network errors never end the dispatcher: it logs them, backs off and goes on, and
reports itself unhealthy (``/healthz``) until a claim succeeds again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.outbox.ahead import Ahead
from app.outbox.doorbell import Doorbell
from app.outbox.enqueue import say_failed
from app.outbox.failures import DeliveryFailure
from app.outbox.group_commit import GroupCommit
from app.outbox.hold import Hold
from app.outbox.jobs import Effect, Job, Outcome, Prepare, backoff, job_of, record_outcomes
from app.outbox.kinds import ORDERING_ONLY, Lane
from app.store import outbox_leases
from app.store.db import UnitOfWork
from app.store.models import OutboxItem

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 12
MAX_PAUSE = 10.0  # the longest wait, in seconds, between tries of a failing database


class Dispatcher:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        effects: Mapping[str, Effect],
        clock: Callable[[], datetime],
        lease: timedelta = timedelta(seconds=10),
        poll_interval: float = 0.5,
        concurrency: int = 128,
        urgent: Collection[str] = (),
        leased_ahead: Collection[str] = (),
        lanes: Sequence[Lane] = (),
        failure_notices: Mapping[str, str] | None = None,
        doorbell: Doorbell | None = None,
        prepare: Prepare | None = None,
        hold: Hold | None = None,
    ) -> None:
        self.uow = uow
        self.effects = effects
        self.clock = clock
        self.lease = lease
        self.poll_interval = poll_interval
        self.concurrency = concurrency
        self.urgent = frozenset(urgent)
        """Kinds claimed before any other due item: pages and what makes an incident usable."""
        self.leased_ahead = frozenset(leased_ahead)
        self._ahead = Ahead(self._lease_waiting)
        self.lanes = tuple(lanes)
        self.failure_notices = dict(failure_notices or {})
        """Kind → the kind that reports its failure for good, for kinds whose failure means the
        incident channel (where failures are reported) does not exist."""
        self.worker = f"{uuid.uuid4().hex[:12]}"
        self.failing_since: datetime | None = None
        """When claiming or recording started failing; None while deliveries go through."""
        self.doorbell = doorbell or Doorbell()
        """Rung by services after they commit items, and by deliveries that finish."""
        self.prepare = prepare
        """What claimed items' effects would each read first (the incident), read once in the
        claim instead (``jobs.Prepare`` says why)."""
        self._wake: asyncio.Event | None = None
        self._running: dict[str, set[asyncio.Task[None]]] = {}
        self._jobs: dict[asyncio.Task[None], int] = {}
        self._stopped = False
        self._hold = hold or Hold()
        self.hold = self._hold.hold
        """Hold deliveries back for some seconds (app/outbox/hold.py); from the loop only."""
        self._completed: GroupCommit[tuple[Job, Outcome], list[Job]] = GroupCommit(
            lambda finished: self._record(self._complete, finished),
            self._hold.over,  # recording takes CPU a burst's acks need; it can wait
        )
        """Records an outcome with the others finished meanwhile; returns the items that waited
        on it, leased to start now."""

    @property
    def healthy(self) -> bool:
        return self.failing_since is None

    def _trouble(self, doing: str, error: Exception) -> None:
        if self.failing_since is None:
            self.failing_since = self.clock()
            log.error("outbox dispatcher: %s failed, retrying: %r", doing, error)
        else:
            log.warning("outbox dispatcher: %s still failing: %r", doing, error)

    def _lane(self, kind: str) -> Lane | None:
        return next((lane for lane in self.lanes if kind in lane.kinds), None)

    def _tasks(self, lane: Lane | None) -> set[asyncio.Task[None]]:
        return self._running.setdefault(lane.name if lane else "", set())

    def _room(self, lane: Lane | None) -> int:
        return (lane.concurrency if lane else self.concurrency) - len(self._tasks(lane))

    def wake(self) -> None:
        """Safe from any thread: a service that just committed items calls this."""
        self.doorbell.ring()

    async def run(self) -> None:
        self._wake = self.doorbell.listen()
        heartbeat = asyncio.create_task(self._heartbeat())
        pause = 0.0
        try:
            while True:
                # Cleared before claiming: a wake() during the claim may be for items it missed.
                self._wake.clear()
                await self._hold.over()
                try:
                    claimed = await self.cycle()
                except Exception as error:  # the database is down or locked: wait, try again
                    self._trouble("claiming", error)
                    pause = min(max(pause * 2, self.poll_interval), MAX_PAUSE)
                    await asyncio.sleep(pause)
                    continue
                if self.failing_since is not None:
                    log.warning("outbox dispatcher: claiming works again")
                    self.failing_since = None
                pause = 0.0
                if claimed:
                    continue
                # Not wait_for: on Python 3.11 it swallows a cancellation that arrives as the
                # doorbell rings, and the server's shutdown then waits for this loop forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval):
                        await self._wake.wait()
        finally:
            self._stopped = True
            heartbeat.cancel()
            self._completed.cancel()
            for task in list(self._jobs):
                task.cancel()

    async def cycle(self) -> int:
        wanted = [(lane, room) for lane in (None, *self.lanes) if (room := self._room(lane)) > 0]
        if not wanted:
            return 0
        jobs = await asyncio.to_thread(self._claim, wanted, self._hold.on())
        self._start(jobs)
        await asyncio.sleep(0)  # each sends its first request before another claim takes the CPU
        return len(jobs)

    def _urgency(self, job: Job) -> tuple[bool, int, int]:
        return job.kind not in self.urgent, job.priority, job.id

    def _start(self, jobs: list[Job]) -> None:
        """Most urgent first, across lanes as within one (urgent kinds, most severe, oldest):
        each task runs until its first wait, so a channel being opened goes out before the
        pages claimed with it, and a brief before the topic and invitations. What waits on
        those of ``leased_ahead`` kinds is leased for all of them in one transaction."""
        running = set(self._jobs.values())  # claimed again if their lease ran out meanwhile
        started = [job for job in sorted(jobs, key=self._urgency) if job.id not in running]
        for job in started:
            task = asyncio.create_task(self._deliver(job))
            tasks = self._tasks(self._lane(job.kind))
            tasks.add(task)
            self._jobs[task] = job.id
            task.add_done_callback(tasks.discard)
            task.add_done_callback(lambda done: self._jobs.pop(done, None))
        if not self._hold.on():
            self._ahead.lease([job.id for job in started if job.kind in self.leased_ahead])

    async def _heartbeat(self) -> None:
        """Renew the leases of the items in flight, a third of a lease apart."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            if ids := [*self._jobs.values(), *self._ahead.held()]:
                try:
                    await asyncio.to_thread(self._renew, ids)
                except Exception as error:
                    self._trouble("renewing leases", error)

    def _renew(self, ids: list[int]) -> None:
        with self.uow() as session:
            outbox_leases.renew(session, ids, worker=self.worker, until=self.clock() + self.lease)
            session.commit()

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Deliver until nothing is due or in flight; for tests, drills and benchmarks.

        A delivery that finishes while a claim runs may have enqueued an item (the notice of a
        failure) after the claim looked: only a claim that started with nothing in flight and
        found nothing proves the outbox drained."""
        async with asyncio.timeout(timeout):
            while True:
                busy = bool(self._jobs)
                claimed = await self.cycle()
                if not claimed and not busy and not self._jobs:
                    return
                if self._jobs:
                    await asyncio.wait(set(self._jobs), return_when=asyncio.FIRST_COMPLETED)

    def _claim(self, rooms: list[tuple[Lane | None, int]], held: bool) -> list[Job]:
        """One transaction for every lane with room. Each lane's claim names its kinds (the
        main lane: every kind no lane has), so it uses the (state, kind) index instead of
        scanning the other lanes' backlog. A claim made during a hold (``MAX_HOLD`` is up)
        stands; one that a hold began during is undone."""
        others = frozenset().union(*(other.kinds for other in self.lanes))
        lanes = [
            (lane.kinds if lane else frozenset(self.effects) - others, room) for lane, room in rooms
        ]
        with self.uow() as session:
            claimed = outbox_leases.claim_lanes(
                session,
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
                lanes=lanes,
                urgent=self.urgent,
            )
            if self._hold.on() and not held:
                return []
            items = [item for lane in claimed for item in lane]
            results = outbox_leases.results_of(session, {i.after_id for i in items if i.after_id})
            handoffs = self._prepared(session, items)
            session.commit()
            return [
                job_of(
                    item,
                    dict(results[item.after_id] or {}) if item.after_id in results else None,
                    handoffs.get(item.id),
                )
                for item in items
            ]

    def _prepared(self, session: Session, items: list[OutboxItem]) -> Mapping[int, object]:
        """``prepare``'s handoffs; none if it fails, as then each effect reads for itself: a
        mistake in one incident's view must not stop every claim."""
        if self.prepare is None or not items:
            return {}
        try:
            return self.prepare(session, items)
        except Exception:
            log.exception("outbox dispatcher: preparing claimed items failed; each reads itself")
            return {}

    async def _deliver(self, job: Job) -> None:
        effect = self.effects.get(job.kind)
        try:
            if effect is None:
                raise DeliveryFailure(f"{job.kind}: no effect registered for this kind", False)
            outcome = await effect(job)
        except DeliveryFailure as failure:
            if failure.rate_limited:
                # Refused, not applied: again as soon as Slack allows, never given up for it
                # (an exponential backoff would leave the method's budget idle).
                log.info("outbox %s: %s; again in %ss", job.key, failure, failure.retry_after)
                delay = timedelta(seconds=failure.retry_after or 1.0)
                await self._failed(self._retry, job, str(failure), delay, True)
            elif failure.transient and job.attempts < MAX_ATTEMPTS:
                log.warning("outbox %s: %s; retrying", job.key, failure)
                delay = backoff(job.attempts, failure.retry_after)
                await self._failed(self._retry, job, str(failure), delay)
            else:
                log.error("outbox %s failed for good: %s", job.key, failure)
                await self._failed(self._give_up, job, str(failure))
        except Exception as error:  # a bug must not stop the other deliveries
            log.exception("outbox %s raised", job.key)
            if job.attempts < MAX_ATTEMPTS:
                await self._failed(self._retry, job, repr(error), backoff(job.attempts, None))
            else:
                await self._failed(self._give_up, job, repr(error))
        else:
            await self._succeeded(job, outcome)
        finally:
            self.wake()

    async def _succeeded(self, job: Job, outcome: Outcome) -> None:
        """Start what was leased ahead of the job with its outcome, record the outcome (after its
        parent's, for a job started that way), then start what else waited on it."""
        await job.settled()
        recorded = asyncio.get_running_loop().create_future()
        if ahead := await self._ahead.take(job.id):
            await self._hold.over()
            self._start([job_of(i, dict(outcome.result), outcome.handoff, recorded) for i in ahead])
        try:
            self._start(await self._completed((job, outcome)))
        finally:
            recorded.set_result(None)

    async def _failed(self, write: Callable[..., None], job: Job, *args: Any) -> None:
        """Record a failure; what was leased ahead of the job is given back in its transaction,
        after the job's own row: rows are locked in id order, as a lease renewal locks them."""
        ahead = [item.id for item in await self._ahead.take(job.id)]
        await self._record(write, job, ahead, *args)

    def _lease_waiting(self, parents: list[int]) -> list[OutboxItem]:
        now, limit = self.clock(), self.concurrency * len(parents)
        with self.uow() as session:
            waiting = outbox_leases.claim_waiting_on(
                session, parents, worker=self.worker, now=now, lease=self.lease, limit=limit
            )
            session.commit()
            return waiting

    async def _record(self, write: Callable[..., T], *args: Any) -> T:
        """Record an outcome, however long the database takes to come back: the effect is done,
        and an unrecorded one would be run again (its lease stays renewed meanwhile)."""
        pause = self.poll_interval
        while True:
            try:
                return await asyncio.to_thread(write, *args)
            except Exception as error:
                if self._stopped:  # shutting down: the lease frees the item for a retry
                    raise
                self._trouble("recording a delivery", error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)

    def _complete(self, finished: list[tuple[Job, Outcome]]) -> list[list[Job]]:
        """Record each outcome and lease the due items that waited on it, unless claims are held
        (the next claim takes them). Dependents start even when the dispatcher is full (of posts
        sleeping in the pacer, typically): they are few, and what waits on a hop is late."""
        now = self.clock()
        with self.uow() as session:
            ours = {
                job.id
                for job, outcome in finished
                if outbox_leases.complete(
                    session, job.id, worker=self.worker, result=outcome.result, now=now
                )
            }
            record_outcomes(session, [pair for pair in finished if pair[0].id in ours])
            waiting = outbox_leases.claim_waiting_on(
                session,
                [] if self._hold.on() else sorted(ours),
                worker=self.worker,
                now=now,
                lease=self.lease,
                limit=self.concurrency * len(ours),
            )
            session.commit()
        by_parent: dict[int | None, list[OutboxItem]] = {}
        for item in waiting:
            by_parent.setdefault(item.after_id, []).append(item)
        return [
            [job_of(i, dict(outcome.result), outcome.handoff) for i in by_parent.get(job.id, [])]
            for job, outcome in finished
        ]

    def _retry(
        self, job: Job, ahead: list[int], error: str, delay: timedelta, refused: bool = False
    ) -> None:
        with self.uow() as session:
            outbox_leases.retry_later(
                session,
                job.id,
                worker=self.worker,
                error=error,
                at=self.clock() + delay,
                refused=refused,
            )
            outbox_leases.release(session, ahead, worker=self.worker)
            session.commit()

    def _give_up(self, job: Job, ahead: list[int], error: str) -> None:
        """Failed for good: say so in the incident channel, where someone can act on it."""
        now = self.clock()
        with self.uow() as session:
            outbox_leases.give_up(
                session,
                job.id,
                worker=self.worker,
                error=error,
                now=now,
                release_waiting=job.kind in ORDERING_ONLY,
            )
            outbox_leases.release(session, ahead, worker=self.worker)
            say_failed(session, job, error, now=now, own_kinds=self.failure_notices)
            session.commit()
