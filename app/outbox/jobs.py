"""What the outbox dispatcher hands an effect (``Job``) and gets back (``Outcome``), the table
of effects by kind, and how long a failed delivery waits before the next attempt."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.outbox.kinds import Kind
from app.store.models import AccountThread, Base, Incident, OutboxItem, Page

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
    priority: int = 0
    """The item's outbox priority (0: the most severe incident's), so jobs claimed together start
    most severe first."""
    handoff: object = None
    """What the parent's effect left for it when the parent started it directly (e.g. the
    incident view it just loaded, with the channel it created), so the effect need not reload
    it; None when claimed from the database. Any later change enqueues its own refresh."""
    parent_recorded: asyncio.Future[None] | None = None
    """Set when the item started with its parent's outcome before that was recorded
    (``kinds.LEASED_AHEAD``); done once it is."""

    @property
    def maybe_done_before(self) -> bool:
        """An earlier attempt may have reached Slack before the process died or timed out."""
        return self.attempts > 1

    async def settled(self) -> None:
        """Until the parent's outcome is recorded: what tells people to act on the parent's
        work (the brief's pin, once its channel is made) waits for this, as what they do
        next (a command in that channel) needs it stored."""
        if self.parent_recorded is not None:
            await asyncio.shield(self.parent_recorded)


Effect = Callable[[Job], Awaitable[Outcome]]
Prepare = Callable[[Session, Sequence[OutboxItem]], Mapping[int, object]]
"""Handoffs (``Job.handoff``) for items claimed from the database, by item id, made in the
claim's own transaction: a declaration's first claim starts the channel and a page per person
at once, and their reads of the incident, side by side in threads of their own, held the
channel's creation back by 10-18 ms."""
Table = Mapping[Kind, Effect]
"""What an effects class delivers: its ``table()``, merged with the others' in bootstrap."""


def merged(*tables: Table) -> dict[str, Effect]:
    """One table of every effect; a kind two tables claim is a wiring mistake, caught at start."""
    effects: dict[str, Effect] = {}
    for table in tables:
        for kind, effect in table.items():
            if kind in effects:
                raise ValueError(f"two effects for the outbox kind {kind}")
            effects[kind] = effect
    return effects


def record_outcomes(session: Session, done: Sequence[tuple[Job, Outcome]]) -> None:
    """What the deliveries learned (a channel's id, a page's message) on the rows they name:
    incidents first, in id order, then pages and threads, as every transaction takes an
    incident's rows (``app.store.incidents`` says why)."""
    for job, outcome in sorted(done, key=lambda pair: pair[0].incident_id or 0):
        _apply_columns(session, Incident, job.incident_id, outcome.incident)
    for job, outcome in done:
        _apply_columns(session, Page, job.payload.get("page_id"), outcome.page)
        _apply_columns(session, AccountThread, job.payload.get("thread_id"), outcome.thread)


def _apply_columns(
    session: Session, model: type[Base], row_id: int | str | None, values: dict[str, Any]
) -> None:
    """Set ``values`` on the row ``row_id`` of ``model``, in one UPDATE (no row loaded first);
    nothing when there is nothing to set, as for most deliveries."""
    if values and row_id:
        row = update(model).where(model.__table__.c.id == int(row_id)).values(**values)
        session.execute(row.execution_options(synchronize_session=False))


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    delay = timedelta(seconds=min(2 ** max(attempts - 1, 0), MAX_BACKOFF.total_seconds()))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def job_of(
    item: OutboxItem,
    parent: dict[str, Any] | None,
    handoff: object = None,
    parent_recorded: asyncio.Future[None] | None = None,
) -> Job:
    return Job(
        id=item.id,
        key=item.key,
        kind=item.kind,
        payload=dict(item.payload),
        incident_id=item.incident_id,
        attempts=item.attempts,
        parent=parent,
        handoff=handoff,
        priority=item.priority,
        parent_recorded=parent_recorded,
    )
