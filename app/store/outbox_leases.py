"""Outbox items claimed for delivery and their outcome recorded: leases, completions, retries
and failures (app/store/outbox.py writes the items).

Claiming is one UPDATE guarded by the lease columns, so two processes never deliver the same
item at once: on PostgreSQL the second UPDATE re-checks the lease after waiting for the row lock
and skips it; SQLite serialises writers.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, literal, or_, select, union_all, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter

from app.store.models import OutboxItem


def unleased(now: datetime | BindParameter[datetime]) -> Any:
    """Nobody holds the item's lease as of ``now``: never claimed, or the claim ran out."""
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
    """``claim_due`` for each lane's (kinds, limit), in one transaction and one look: a busy
    dispatcher claims after every delivery, and a transaction or a statement per lane would
    multiply its round trips by the lanes. The caller commits, once it has read what else it
    needs."""
    wanted = tuple(None if kinds is None else frozenset(kinds) for kinds, _ in lanes)
    limits = {f"limit{n}": limit for n, (_, limit) in enumerate(lanes)}
    due = session.execute(_due(wanted, frozenset(urgent)), {"now": now, **limits}).all()
    leased = set(_lease(session, [row.id for row in due], worker=worker, now=now, lease=lease))
    items = {item.id: item for item in _load(session, [row.id for row in due if row.id in leased])}
    claimed: list[list[OutboxItem]] = [[] for _ in lanes]
    for row in due:
        if row.id in items:
            claimed[row.lane].append(items[row.id])
    return claimed


@functools.lru_cache(maxsize=64)
def _due(lanes: tuple[frozenset[str] | None, ...], urgent: frozenset[str]) -> Any:
    """Each lane's due items (``lane``: its position, ``id``), as of the ``now`` parameter, at
    most ``limit<position>`` of each, in claim order. Built once per set of lanes with room:
    building this statement cost more Python time than running it."""
    now: BindParameter[datetime] = bindparam("now")
    parent = aliased(OutboxItem)
    urgency: Any = case((OutboxItem.kind.in_(list(urgent)), 0), else_=1) if urgent else literal(1)
    looks = []
    for position, kinds in enumerate(lanes):
        lane = [] if kinds is None else [OutboxItem.kind.in_(list(kinds))]
        look = (
            select(
                literal(position).label("lane"),
                urgency.label("urgency"),
                OutboxItem.priority,
                OutboxItem.id,
            )
            .outerjoin(parent, OutboxItem.after_id == parent.id)
            .where(
                OutboxItem.state == "pending",
                OutboxItem.available_at <= now,
                unleased(now),
                or_(OutboxItem.after_id.is_(None), parent.state == "done"),
                *lane,
            )
            .order_by(urgency, OutboxItem.priority, OutboxItem.id)
            .limit(bindparam(f"limit{position}"))
            .subquery()
        )
        looks.append(select(look))
    return union_all(*looks).order_by("lane", "urgency", "priority", "id")


def claim_waiting_on(
    session: Session,
    parents: Collection[int],
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[OutboxItem]:
    """Lease the due items waiting on ``parents``, in the transaction that completes them (one
    look for all the outcomes a group commit records), so they start at once instead of after
    another claim; the caller commits."""
    if not parents:
        return []
    looked = {"parents": list(parents), "now": now, "limit": limit}
    ids = list(session.scalars(_WAITING_ON, looked))
    leased = set(_lease(session, ids, worker=worker, now=now, lease=lease))
    return _load(session, [item_id for item_id in ids if item_id in leased])


_WAITING_ON = (
    select(OutboxItem.id)
    .where(
        OutboxItem.after_id.in_(bindparam("parents", expanding=True)),
        OutboxItem.state == "pending",
        OutboxItem.available_at <= bindparam("now"),
        unleased(bindparam("now")),
    )
    .order_by(OutboxItem.id)
    .limit(bindparam("limit"))
)
"""The due items waiting on the ``parents`` parameter, as of ``now``, at most ``limit``; built
once, as ``_due`` is."""


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
        unleased(bindparam("now")),
    )
    .order_by(OutboxItem.id)
    .with_for_update(skip_locked=True)
)
_TAKE = (
    update(OutboxItem)
    .where(
        OutboxItem.id.in_(bindparam("ids", expanding=True)),
        OutboxItem.state == "pending",
        unleased(bindparam("now")),
    )
    .values(
        claimed_by=bindparam("worker"),
        claimed_until=bindparam("until"),
        attempts=OutboxItem.attempts + 1,
    )
    .returning(OutboxItem.id)
    .execution_options(synchronize_session=False)
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
        .execution_options(synchronize_session=False)
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


def release(session: Session, ids: Collection[int], *, worker: str) -> None:
    """Give back this worker's leases on ``ids``, unrun, their attempt uncounted: taken ahead
    of a parent that did not finish (app/outbox/ahead.py), they wait for its next attempt,
    whoever makes it. The caller commits."""
    if ids:
        session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id.in_(list(ids)),
                OutboxItem.claimed_by == worker,
                OutboxItem.state == "pending",
            )
            .values(claimed_by=None, claimed_until=None, attempts=OutboxItem.attempts - 1)
            .execution_options(synchronize_session=False)
        )


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
