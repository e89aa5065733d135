"""Claiming and leases in the outbox table, on SQLite and PostgreSQL: short leases renewed by
the worker that runs the item, free for another worker once that one stops renewing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.store import outbox
from app.store.db import UnitOfWork, make_engine
from app.store.models import OutboxItem

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=10)


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    engine = make_engine(database_url)
    yield UnitOfWork(engine)
    engine.dispose()


def _add(uow: UnitOfWork, *items: tuple[str, str, int]) -> None:
    with uow() as session:
        for key, kind, priority in items:
            outbox.enqueue(session, key=key, kind=kind, now=NOW, priority=priority)
        session.commit()


def _claim(uow: UnitOfWork, worker: str, at: datetime, **kwargs: object) -> list[str]:
    with uow() as session:
        items = outbox.claim_due(session, worker=worker, now=at, lease=LEASE, **kwargs)  # type: ignore[arg-type]
        return [item.key for item in items]


def test_renewed_lease_is_not_taken_over(uow: UnitOfWork) -> None:
    _add(uow, ("a", "page_dm", 0))
    assert _claim(uow, "w1", NOW) == ["a"]
    with uow() as session:
        item_id = session.query(OutboxItem.id).scalar()
        # w1 renews a third of a lease apart while its effect runs
        for beat in (1, 2, 3):
            until = NOW + beat * LEASE / 3 + LEASE
            assert outbox.renew(session, [item_id], worker="w1", until=until) == 1
        session.commit()
    assert _claim(uow, "w2", NOW + LEASE + timedelta(seconds=1)) == []


def test_a_lease_nobody_renews_frees_the_item_within_the_lease(uow: UnitOfWork) -> None:
    _add(uow, ("a", "page_dm", 0))
    assert _claim(uow, "crashed", NOW) == ["a"]
    assert _claim(uow, "w2", NOW + LEASE / 2) == []
    assert _claim(uow, "w2", NOW + LEASE + timedelta(seconds=1)) == ["a"]
    with uow() as session:
        item = session.query(OutboxItem).one()
        assert (item.claimed_by, item.attempts) == ("w2", 2)
        # the crashed worker's renewal and completion no longer count
        assert outbox.renew(session, [item.id], worker="crashed", until=NOW + 2 * LEASE) == 0
        assert not outbox.complete(session, item.id, worker="crashed", result={}, now=NOW)
        assert outbox.complete(session, item.id, worker="w2", result={}, now=NOW)
        session.commit()


def test_most_severe_first_within_urgent_then_lanes(uow: UnitOfWork) -> None:
    _add(
        uow,
        ("sev3-page", "page_dm", 2),
        ("notice", "post_notice", 0),
        ("sev1-page", "page_dm", 0),
        ("home", "publish_home", 0),
        ("sev2-page", "page_dm", 1),
    )
    main = _claim(uow, "w", NOW, urgent={"page_dm"}, kinds={"page_dm", "post_notice"}, limit=10)
    assert main == ["sev1-page", "sev2-page", "sev3-page", "notice"]
    assert _claim(uow, "w", NOW, kinds={"publish_home"}, limit=10) == ["home"]


def test_claim_order_puts_severity_before_age(uow: UnitOfWork) -> None:
    _add(uow, ("sev3-page", "page_dm", 2), ("sev2-page", "page_dm", 1), ("sev1-page", "page_dm", 0))
    order = [_claim(uow, "w", NOW, urgent={"page_dm"}, limit=1)[0] for _ in range(3)]
    assert order == ["sev1-page", "sev2-page", "sev3-page"]


def test_a_refused_attempt_does_not_count(uow: UnitOfWork) -> None:
    _add(uow, ("a", "create_channel", 0))
    for round_ in range(20):  # a 429 every time: never given up for it
        assert _claim(uow, "w", NOW + timedelta(minutes=round_)) == ["a"]
        with uow() as session:
            item = session.query(OutboxItem).one()
            outbox.retry_later(
                session, item.id, worker="w", error="ratelimited", at=NOW, refused=True
            )
            session.commit()
    with uow() as session:
        assert session.query(OutboxItem).one().attempts == 0


def test_coalesced_waiting_payloads_skip_claimed_items(uow: UnitOfWork) -> None:
    with uow() as session:
        for user in ("U1", "U2"):
            outbox.enqueue(
                session, key=f"home:{user}:x", kind="publish_home", now=NOW, payload={"user": user}
            )
        session.commit()
    assert _claim(uow, "w", NOW, kinds={"publish_home"}, limit=1) == ["home:U1:x"]
    with uow() as session:
        waiting = outbox.waiting_payloads(session, kind="publish_home", now=NOW)
    assert waiting == [{"user": "U2"}]
