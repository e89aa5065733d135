"""The outbox table: enqueue side effects with a change, claim them for delivery, record results.

Claiming is one UPDATE guarded by the lease columns, so two processes never deliver the same
item at once: on PostgreSQL the second UPDATE re-checks the lease after waiting for the row lock
and skips it; SQLite serialises writers.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter

from app.store.models import OutboxItem


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    now: datetime,
    payload: dict[str, Any] | None = None,
    incident_id: int | None = None,
    after: OutboxItem | None = None,
    priority: int = 0,
) -> OutboxItem:
    """The item of ``key``, inserted unless it exists (inside :func:`batched`, on leaving it).
    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` rather than a look-up and then an insert.
    An item enqueued after one that failed for good fails with it, as :func:`give_up` fails
    those already waiting: it would otherwise wait forever for a prerequisite that never
    completes."""
    row = {
        "key": key,
        "kind": str(kind),
        "payload": payload or {},
        "incident_id": incident_id,
        "priority": priority,
        "attempts": 0,
        "available_at": now,
        "created_at": now,
    }
    batch: _Batch | None = session.info.get(_BATCH)
    if batch is not None:
        return batch.add(row, after)
    return _insert(session, [_placed(row, after)])[key]


def _placed(row: dict[str, Any], after: OutboxItem | None) -> dict[str, Any]:
    """``row`` waiting on ``after``, failed already if that failed for good."""
    failed = after is not None and after.state == "failed"
    return {
        **row,
        "after_id": after.id if after else None,
        "state": "failed" if failed else "pending",
        "last_error": f"depends on failed item {after.id}" if failed and after else None,
        "done_at": row["created_at"] if failed else None,
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> dict[str, OutboxItem]:
    """Each row's item by key: inserted, or the one already stored under its key."""
    stored: dict[str, OutboxItem] = {}
    upsert = _UPSERTS.get(session.get_bind().dialect.name)
    if upsert is not None:
        stored = {item.key: item for item in session.scalars(upsert, rows)}
    if missing := [row["key"] for row in rows if row["key"] not in stored]:
        found = select(OutboxItem).where(OutboxItem.key.in_(missing))
        stored.update((item.key, item) for item in session.scalars(found))
    if new := [OutboxItem(**row) for row in rows if row["key"] not in stored]:
        session.add_all(new)
        session.flush()
        stored.update((item.key, item) for item in new)
    return stored


_UPSERTS: dict[str, Any] = {
    name: insert_(OutboxItem)
    .on_conflict_do_nothing(index_elements=[OutboxItem.key])
    .returning(OutboxItem)
    for name, insert_ in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}
"""``INSERT … ON CONFLICT (key) DO NOTHING RETURNING`` by dialect name, built once (a statement
built per call costs more to build and cache-key than the round trip it saves)."""
_BATCH = "beacon.outbox_batch"
"""The ``Session.info`` entry of an open :func:`batched`."""


@contextlib.contextmanager
def batched(session: Session) -> Iterator[None]:
    """Within it, ``enqueue`` gathers items and they are inserted on leaving: one statement
    per level of ``after`` instead of one per item. A declaration enqueues about forty, each
    a round trip while it holds the database's write lock. Until then an item it returned has
    no id: it serves as another item's ``after``, and ``by_key`` finds it."""
    batch = _Batch()
    session.info[_BATCH] = batch
    try:
        yield
    finally:
        del session.info[_BATCH]
    batch.write(session)


class _Batch:
    """What :func:`batched` gathers, until it is written."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[OutboxItem, dict[str, Any], OutboxItem | None]] = {}
        """By key: the item handed out (not in the session), its row, what it waits on."""

    def add(self, row: dict[str, Any], after: OutboxItem | None) -> OutboxItem:
        if (known := self.items.get(row["key"])) is not None:
            return known[0]
        item = OutboxItem(**_placed(row, None))
        self.items[row["key"]] = (item, row, after)
        return item

    def write(self, session: Session) -> None:
        """Parents before the items waiting on them; each handed-out item gets its stored
        item's id and state."""
        waiting = dict(self.items)
        while waiting:
            ready = {
                key: entry
                for key, entry in waiting.items()
                if entry[2] is None or entry[2].id is not None
            }
            if not ready:
                raise ValueError(f"outbox items wait on items never stored: {sorted(waiting)}")
            stored = _insert(session, [_placed(row, after) for _, row, after in ready.values()])
            for key, (item, _, _) in ready.items():
                item.id, item.state = stored[key].id, stored[key].state
                del waiting[key]


def pending_of(session: Session, incident_id: int, kind: str) -> list[OutboxItem]:
    """The incident's items of ``kind`` not delivered yet, oldest first."""
    statement = select(OutboxItem).where(
        OutboxItem.incident_id == incident_id,
        OutboxItem.kind == str(kind),
        OutboxItem.state == "pending",
    )
    return list(session.scalars(statement.order_by(OutboxItem.id)))


def by_key(session: Session, key: str) -> OutboxItem | None:
    """The item of ``key`` (app/outbox/keys.py), whatever its state."""
    batch: _Batch | None = session.info.get(_BATCH)
    if batch is not None and key in batch.items:
        return batch.items[key][0]
    return session.scalar(select(OutboxItem).where(OutboxItem.key == key))


def enqueue_many(
    session: Session,
    kind: str,
    payloads: dict[str, dict[str, Any]],
    *,
    now: datetime,
    delay: timedelta = timedelta(),
) -> None:
    """Enqueue independent items of one kind (key → payload) in one INSERT, skipping keys that
    exist, due ``delay`` from now: a change republishing a thousand App Homes must not hold the
    write lock long."""
    keys = list(payloads)
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing.update(session.scalars(select(OutboxItem.key).where(OutboxItem.key.in_(chunk))))
    rows = [
        {
            "key": key,
            "kind": str(kind),
            "payload": payload,
            "state": "pending",
            "attempts": 0,
            "priority": 0,
            "available_at": now + delay,
            "created_at": now,
        }
        for key, payload in payloads.items()
        if key not in existing
    ]
    if rows:
        session.execute(insert(OutboxItem), rows)


def _free(now: datetime | BindParameter[datetime]) -> Any:
    return or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until < now)


def claim_due(
    session: Session,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int = 50,
    urgent: Collection[str] = (),
    kinds: Collection[str] | None = None,
) -> list[OutboxItem]:
    """Lease up to ``limit`` due items of ``kinds`` (all if None): ``urgent`` kinds first, then
    by priority, then oldest first; commits."""
    lanes = [(kinds, limit)]
    claimed = claim_lanes(session, worker=worker, now=now, lease=lease, lanes=lanes, urgent=urgent)
    session.commit()
    return claimed[0]


def claim_lanes(
    session: Session,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    lanes: Sequence[tuple[Collection[str] | None, int]],
    urgent: Collection[str] = (),
) -> list[list[OutboxItem]]:
    """``claim_due`` for each lane's (kinds, limit), in one transaction: a busy dispatcher
    claims after every delivery, and a transaction per lane would multiply its round trips and
    commits by the lanes. The caller commits, once it has read what else it needs."""
    leased: list[list[int]] = []
    urgent = frozenset(urgent)
    for kinds, limit in lanes:
        due = _due(None if kinds is None else frozenset(kinds), limit, urgent)
        ids = list(session.scalars(due, {"now": now}))
        claimed = set(_lease(session, ids, worker=worker, now=now, lease=lease))
        leased.append([item_id for item_id in ids if item_id in claimed])
    items = {item.id: item for item in _load(session, [i for ids in leased for i in ids])}
    return [[items[item_id] for item_id in ids] for ids in leased]


@functools.lru_cache(maxsize=1024)
def _due(kinds: frozenset[str] | None, limit: int, urgent: frozenset[str]) -> Any:
    """The due items' ids, as of the ``now`` parameter. Built once per lane and limit: a busy
    dispatcher claims after every delivery, and building this statement cost more Python time
    than running it."""
    now: BindParameter[datetime] = bindparam("now")
    parent = aliased(OutboxItem)
    order: list[Any] = [OutboxItem.priority, OutboxItem.id]
    if urgent:
        order.insert(0, case((OutboxItem.kind.in_(list(urgent)), 0), else_=1))
    lane: list[Any] = []
    if kinds is not None:
        lane.append(OutboxItem.kind.in_(list(kinds)))
    return (
        select(OutboxItem.id)
        .outerjoin(parent, OutboxItem.after_id == parent.id)
        .where(
            OutboxItem.state == "pending",
            OutboxItem.available_at <= now,
            _free(now),
            or_(OutboxItem.after_id.is_(None), parent.state == "done"),
            *lane,
        )
        .order_by(*order)
        .limit(limit)
    )


def waiting_payloads(session: Session, *, kind: str, now: datetime) -> list[dict[str, Any]]:
    """Payloads of the ``kind`` items nobody has started: enqueueing another one is redundant
    when the effect reads current data."""
    waiting = select(OutboxItem.payload).where(
        OutboxItem.kind == kind, OutboxItem.state == "pending", _free(now)
    )
    return [dict(payload) for payload in session.scalars(waiting)]


def claim_waiting_on(
    session: Session,
    parent_id: int,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[OutboxItem]:
    """Lease the due items waiting on ``parent_id``, in the transaction that completes it, so
    they start at once instead of after another claim; the caller commits."""
    ids = list(session.scalars(_waiting_on(limit), {"parent": parent_id, "now": now}))
    leased = set(_lease(session, ids, worker=worker, now=now, lease=lease))
    return _load(session, [item_id for item_id in ids if item_id in leased])


@functools.lru_cache(maxsize=16)
def _waiting_on(limit: int) -> Any:
    """The due items waiting on the ``parent`` parameter, as of ``now``; built once per limit,
    as ``_due`` is."""
    now: BindParameter[datetime] = bindparam("now")
    return (
        select(OutboxItem.id)
        .where(
            OutboxItem.after_id == bindparam("parent"),
            OutboxItem.state == "pending",
            OutboxItem.available_at <= now,
            _free(now),
        )
        .order_by(OutboxItem.id)
        .limit(limit)
    )


def _lease(
    session: Session, ids: list[int], *, worker: str, now: datetime, lease: timedelta
) -> list[int]:
    """The ids leased. On PostgreSQL the rows are locked in id order and a row another
    transaction holds is skipped, not waited for: claimers, lease renewals and completions
    running side by side (lanes, processes) then never wait on each other in a cycle, which
    PostgreSQL would break by failing one of them as a deadlock."""
    if not ids:
        return []
    if session.get_bind().dialect.name == "sqlite":
        locked = ids  # SQLite has no row locks: its one writer at a time has nothing to skip
    elif not (locked := list(session.scalars(_FREE, {"ids": ids, "now": now}))):
        return []
    leased = session.scalars(
        _TAKE, {"ids": locked, "now": now, "worker": worker, "until": now + lease}
    )
    return list(leased.all())


_FREE = (
    select(OutboxItem.id)
    .where(
        OutboxItem.id.in_(bindparam("ids", expanding=True)),
        OutboxItem.state == "pending",
        _free(bindparam("now")),
    )
    .order_by(OutboxItem.id)
    .with_for_update(skip_locked=True)
)
_TAKE = (
    update(OutboxItem)
    .where(
        OutboxItem.id.in_(bindparam("ids", expanding=True)),
        OutboxItem.state == "pending",
        _free(bindparam("now")),
    )
    .values(
        claimed_by=bindparam("worker"),
        claimed_until=bindparam("until"),
        attempts=OutboxItem.attempts + 1,
    )
    .returning(OutboxItem.id)
)
"""A lease's two statements, built once: a busy dispatcher leases after every delivery, and
building them cost more Python time than running them."""


def _load(session: Session, ids: list[int]) -> list[OutboxItem]:
    """The items of ``ids``, in that order (the claim's: most urgent first)."""
    if not ids:
        return []
    items = session.scalars(_LOAD, {"ids": ids})
    position = {item_id: n for n, item_id in enumerate(ids)}
    return sorted(items, key=lambda item: position[item.id])


_LOAD = (
    select(OutboxItem)
    .where(OutboxItem.id.in_(bindparam("ids", expanding=True)))
    .execution_options(populate_existing=True)
)


def _mine(item_id: int, worker: str) -> Any:
    return and_(OutboxItem.id == item_id, OutboxItem.claimed_by == worker)


def complete(
    session: Session, item_id: int, *, worker: str, result: dict[str, Any], now: datetime
) -> bool:
    """False when the lease was lost to another worker meanwhile; the caller must not go on."""
    done = session.execute(
        update(OutboxItem)
        .where(_mine(item_id, worker), OutboxItem.state == "pending")
        .values(state="done", result=result, done_at=now, claimed_until=None, last_error=None)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, ids: Collection[int], *, worker: str, until: datetime) -> int:
    """Extend this worker's leases on items still in flight (a heartbeat): a short lease frees a
    crashed worker's items within seconds, the renewal keeps a slow delivery from being taken
    over while it runs. Returns how many leases were still this worker's; the caller commits."""
    if not ids:
        return 0
    mine = (
        select(OutboxItem.id)
        .where(
            OutboxItem.id.in_(list(ids)),
            OutboxItem.claimed_by == worker,
            OutboxItem.state == "pending",
        )
        .order_by(OutboxItem.id)
        .with_for_update()
    )
    locked = list(session.scalars(mine))
    if not locked:
        return 0
    renewed = session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(locked), OutboxItem.claimed_by == worker)
        .values(claimed_until=until)
    )
    return int(renewed.rowcount)  # type: ignore[attr-defined]


def retry_later(
    session: Session,
    item_id: int,
    *,
    worker: str,
    error: str,
    at: datetime,
    refused: bool = False,
) -> None:
    """``refused``: Slack refused the call (429) without applying it, so the attempt does not
    count toward giving up, and a retry need not look for an earlier post."""
    attempts = OutboxItem.attempts - 1 if refused else OutboxItem.attempts
    session.execute(
        update(OutboxItem)
        .where(_mine(item_id, worker))
        .values(
            available_at=at,
            claimed_until=None,
            claimed_by=None,
            last_error=error,
            attempts=attempts,
        )
    )


def give_up(
    session: Session,
    item_id: int,
    *,
    worker: str,
    error: str,
    now: datetime,
    release_waiting: bool = False,
) -> None:
    """Mark the item and everything waiting on it failed, so nothing waits forever; or, with
    ``release_waiting``, let what waits on it wait on its own prerequisite instead (done, since
    the item ran), when it was waited on for the order only."""
    failed = session.scalars(
        update(OutboxItem)
        .where(_mine(item_id, worker))
        .values(state="failed", last_error=error, done_at=now, claimed_until=None)
        .returning(OutboxItem.after_id)
    ).all()
    if release_waiting and failed:
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.after_id == item_id, OutboxItem.state == "pending")
            .values(after_id=failed[0])
        )
        return
    waiting = [item_id]
    while waiting:
        children = list(
            session.scalars(
                select(OutboxItem.id).where(
                    OutboxItem.after_id.in_(waiting), OutboxItem.state == "pending"
                )
            )
        )
        if children:
            session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(children))
                .values(state="failed", last_error=f"depends on failed item {item_id}", done_at=now)
            )
        waiting = children


def results_of(session: Session, ids: Collection[int]) -> dict[int, dict[str, Any] | None]:
    """Each item's result, by id, in one query (the parents of a claim's items)."""
    if not ids:
        return {}
    rows = session.execute(select(OutboxItem.id, OutboxItem.result).where(OutboxItem.id.in_(ids)))
    return {item_id: result for item_id, result in rows}


def result_of(session: Session, key: str) -> dict[str, Any] | None:
    return session.scalar(
        select(OutboxItem.result).where(OutboxItem.key == key, OutboxItem.state == "done")
    )


def backlog(session: Session) -> int:
    pending = select(func.count()).select_from(OutboxItem).where(OutboxItem.state == "pending")
    return int(session.scalar(pending) or 0)
