"""Outbox items, claims and a dispatcher over a real database, with effects that record what
they were asked to deliver instead of calling Slack: the risk under test is the leasing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.outbox.dispatcher import Dispatcher
from app.outbox.failures import DeliveryFailure
from app.outbox.jobs import Effect, Job, Outcome, Prepare
from app.outbox.kinds import FAILURE_NOTICES
from app.store import outbox, outbox_leases
from app.store.db import UnitOfWork
from app.store.models import OutboxItem

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=10)


@dataclass
class Clock:
    """The dispatcher's clock, moved by the test (leases and retries are about time)."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def add(uow: UnitOfWork, *items: tuple[str, str, int]) -> None:
    """Enqueue (key, kind, priority) items, due now."""
    with uow() as session:
        for key, kind, priority in items:
            outbox.enqueue(session, key=key, kind=kind, now=NOW, priority=priority)
        session.commit()


def claim(
    uow: UnitOfWork,
    worker: str,
    at: datetime,
    *,
    limit: int = 50,
    urgent: Collection[str] = (),
    kinds: Collection[str] | None = None,
) -> list[str]:
    """The keys ``worker`` leased, in claim order."""
    with uow() as session:
        items = outbox_leases.claim_due(
            session, worker=worker, now=at, lease=LEASE, limit=limit, urgent=urgent, kinds=kinds
        )
        return [item.key for item in items]


def item(uow: UnitOfWork, key: str) -> OutboxItem:
    with uow.read() as session:
        found = session.scalar(select(OutboxItem).where(OutboxItem.key == key))
        assert found is not None, f"no outbox item {key}"
        session.expunge(found)
        return found


def keys_of(uow: UnitOfWork, kind: str) -> list[str]:
    with uow.read() as session:
        statement = select(OutboxItem.key).where(OutboxItem.kind == kind).order_by(OutboxItem.id)
        return list(session.scalars(statement))


@dataclass
class Recorder:
    """Effects that remember each delivery (and its parent's result), optionally slow or
    failing a given number of times first."""

    delivered: list[str] = field(default_factory=list)
    parents: dict[str, dict[str, object] | None] = field(default_factory=dict)
    handoffs: dict[str, object] = field(default_factory=dict)
    failures: dict[str, list[DeliveryFailure]] = field(default_factory=dict)
    delay: float = 0.0

    async def __call__(self, job: Job) -> Outcome:
        if self.delay:
            await asyncio.sleep(self.delay)
        pending = self.failures.get(job.key)
        if pending:
            raise pending.pop(0)
        self.delivered.append(job.key)
        self.parents[job.key] = job.parent
        self.handoffs[job.key] = job.handoff
        return Outcome({"delivered": job.key})

    def table(self, *kinds: str) -> dict[str, Effect]:
        return dict.fromkeys(kinds, self)


def dispatcher(
    uow: UnitOfWork,
    effects: dict[str, Effect],
    clock: Callable[[], datetime],
    *,
    concurrency: int = 128,
    prepare: Prepare | None = None,
    leased_ahead: Collection[str] = (),
) -> Dispatcher:
    return Dispatcher(
        uow=uow,
        effects=effects,
        clock=clock,
        lease=LEASE,
        concurrency=concurrency,
        failure_notices=FAILURE_NOTICES,
        prepare=prepare,
        leased_ahead=leased_ahead,
    )
