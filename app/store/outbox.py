"""The outbox table's items: enqueued with a change, in one statement where they can be, and
read back by key (app/store/outbox_leases.py claims them for delivery and records results)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.store.models import OutboxItem
from app.store.outbox_leases import unleased


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


_INSERTS = (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
"""Each dialect Beacon runs on, with its INSERT that knows ``ON CONFLICT``."""
_SKIPPING_STORED: dict[str, Any] = {
    name: insert_(OutboxItem).on_conflict_do_nothing(index_elements=[OutboxItem.key])
    for name, insert_ in _INSERTS
}
"""``INSERT … ON CONFLICT (key) DO NOTHING`` by dialect name, for rows nobody reads back."""
_UPSERTS: dict[str, Any] = {
    name: skipping.returning(OutboxItem) for name, skipping in _SKIPPING_STORED.items()
}
"""The same, ``RETURNING`` the items, built once (a statement built per call costs more to
build and cache-key than the round trip it saves)."""
_TABLE = cast(Table, OutboxItem.__table__)  # declared as a FromClause
_ROW_UPSERTS: dict[str, Any] = {
    name: insert_(_TABLE)
    .on_conflict_do_nothing(index_elements=[_TABLE.c.key])
    .returning(_TABLE.c.key, _TABLE.c.id, _TABLE.c.state)
    for name, insert_ in _INSERTS
}
"""The same, returning only what a batch needs."""
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
            stored = _insert_rows(session, [_placed(row, a) for _, row, a in ready.values()])
            for key, (item, _, _) in ready.items():
                item.id, item.state = stored[key]
                del waiting[key]


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """Each row's id and state by key, as :func:`_insert` finds its item: a batch's items are
    handed out before they are stored, and loading the forty of a declaration back as ORM
    objects cost more than the statement that stores them."""
    stored: dict[str, tuple[int, str]] = {}
    upsert = _ROW_UPSERTS.get(session.get_bind().dialect.name)
    if upsert is not None:
        stored = {key: (id_, state) for key, id_, state in session.execute(upsert, rows)}
    if missing := [row for row in rows if row["key"] not in stored]:
        found = _insert(session, missing)
        stored.update((key, (item.id, item.state)) for key, item in found.items())
    return stored


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
    ]
    if rows:
        session.execute(_SKIPPING_STORED[session.get_bind().dialect.name], rows)


def waiting_payloads(session: Session, *, kind: str, now: datetime) -> list[dict[str, Any]]:
    """Payloads of the ``kind`` items nobody has started: enqueueing another one is redundant
    when the effect reads current data."""
    waiting = select(OutboxItem.payload).where(
        OutboxItem.kind == kind, OutboxItem.state == "pending", unleased(now)
    )
    return [dict(payload) for payload in session.scalars(waiting)]


def result_of(session: Session, key: str) -> dict[str, Any] | None:
    return session.scalar(
        select(OutboxItem.result).where(OutboxItem.key == key, OutboxItem.state == "done")
    )


def backlog(session: Session) -> int:
    pending = select(func.count()).select_from(OutboxItem).where(OutboxItem.state == "pending")
    return int(session.scalar(pending) or 0)
