"""Claiming and leases in the outbox table, on SQLite and PostgreSQL: short leases renewed by
the worker that runs the item, free for another worker once that one stops renewing; one
claimer per item however many claim at once; dependents claimed only after their prerequisite."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from app.store import outbox, outbox_leases
from app.store.db import UnitOfWork
from app.store.models import OutboxItem
from tests.store.support import LEASE, NOW, add, claim, item


def test_renewed_lease_is_not_taken_over(uow: UnitOfWork) -> None:
    add(uow, ("a", "page_dm", 0))
    assert claim(uow, "w1", NOW) == ["a"]
    with uow() as session:
        item_id = session.query(OutboxItem.id).scalar()
        # w1 renews a third of a lease apart while its effect runs
        for beat in (1, 2, 3):
            until = NOW + beat * LEASE / 3 + LEASE
            assert outbox_leases.renew(session, [item_id], worker="w1", until=until) == 1
        session.commit()
    assert claim(uow, "w2", NOW + LEASE + timedelta(seconds=1)) == []


def test_a_lease_nobody_renews_frees_the_item_within_the_lease(uow: UnitOfWork) -> None:
    add(uow, ("a", "page_dm", 0))
    assert claim(uow, "crashed", NOW) == ["a"]
    assert claim(uow, "w2", NOW + LEASE / 2) == []
    assert claim(uow, "w2", NOW + LEASE + timedelta(seconds=1)) == ["a"]
    with uow() as session:
        item = session.query(OutboxItem).one()
        assert (item.claimed_by, item.attempts) == ("w2", 2)
        # the crashed worker's renewal and completion no longer count
        assert outbox_leases.renew(session, [item.id], worker="crashed", until=NOW + 2 * LEASE) == 0
        assert not outbox_leases.complete(session, item.id, worker="crashed", result={}, now=NOW)
        assert outbox_leases.complete(session, item.id, worker="w2", result={}, now=NOW)
        session.commit()


def test_most_severe_first_within_urgent_then_lanes(uow: UnitOfWork) -> None:
    add(
        uow,
        ("sev3-page", "page_dm", 2),
        ("notice", "post_notice", 0),
        ("sev1-page", "page_dm", 0),
        ("home", "publish_home", 0),
        ("sev2-page", "page_dm", 1),
    )
    main = claim(uow, "w", NOW, urgent={"page_dm"}, kinds={"page_dm", "post_notice"}, limit=10)
    assert main == ["sev1-page", "sev2-page", "sev3-page", "notice"]
    assert claim(uow, "w", NOW, kinds={"publish_home"}, limit=10) == ["home"]


def test_one_claim_fills_each_lane_up_to_its_own_room(uow: UnitOfWork) -> None:
    add(
        uow,
        ("page-1", "page_dm", 0),
        ("page-2", "page_dm", 0),
        ("channel", "create_channel", 0),
        ("home-1", "publish_home", 0),
        ("home-2", "publish_home", 0),
    )
    lanes = [({"page_dm"}, 1), ({"create_channel"}, 5), ({"publish_home"}, 2)]
    with uow() as session:
        claimed = outbox_leases.claim_lanes(session, worker="w", now=NOW, lease=LEASE, lanes=lanes)
        session.commit()
        assert [[item.key for item in lane] for lane in claimed] == [
            ["page-1"],
            ["channel"],
            ["home-1", "home-2"],
        ]
    assert claim(uow, "other", NOW, limit=10) == ["page-2"]  # the rest stays leased


def test_claim_order_puts_severity_before_age(uow: UnitOfWork) -> None:
    add(uow, ("sev3-page", "page_dm", 2), ("sev2-page", "page_dm", 1), ("sev1-page", "page_dm", 0))
    order = [claim(uow, "w", NOW, urgent={"page_dm"}, limit=1)[0] for _ in range(3)]
    assert order == ["sev1-page", "sev2-page", "sev3-page"]


def test_a_refused_attempt_does_not_count(uow: UnitOfWork) -> None:
    add(uow, ("a", "create_channel", 0))
    for round_ in range(20):  # a 429 every time: never given up for it
        assert claim(uow, "w", NOW + timedelta(minutes=round_)) == ["a"]
        with uow() as session:
            item = session.query(OutboxItem).one()
            outbox_leases.retry_later(
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
    assert claim(uow, "w", NOW, kinds={"publish_home"}, limit=1) == ["home:U1:x"]
    with uow() as session:
        waiting = outbox.waiting_payloads(session, kind="publish_home", now=NOW)
    assert waiting == [{"user": "U2"}]


def test_two_claimers_at_once_never_lease_one_item_twice(uow: UnitOfWork) -> None:
    add(uow, *((f"item-{n}", "post_notice", 0) for n in range(60)))

    def worker(name: str) -> list[str]:
        leased: list[str] = []
        while batch := claim(uow, name, NOW, limit=7):
            leased += batch
        return leased

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(worker, ["w1", "w2"])
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(f"item-{n}" for n in range(60))
    with uow.read() as session:
        items = session.query(OutboxItem).all()
        assert {entry.attempts for entry in items} == {1}
        assert {entry.claimed_by for entry in items} <= {"w1", "w2"}


def test_a_leased_item_is_not_claimed_again_until_its_lease_ends(uow: UnitOfWork) -> None:
    add(uow, ("a", "page_dm", 0))
    assert claim(uow, "w1", NOW) == ["a"]
    assert claim(uow, "w1", NOW + LEASE - timedelta(seconds=1)) == []  # nor by its own worker
    assert claim(uow, "w2", NOW + LEASE) == []  # a lease ends after its last instant
    assert claim(uow, "w2", NOW + LEASE + timedelta(microseconds=1)) == ["a"]


def test_an_item_waits_for_its_prerequisite(uow: UnitOfWork) -> None:
    with uow() as session:
        channel = outbox.enqueue(session, key="channel", kind="create_channel", now=NOW)
        outbox.enqueue(session, key="brief", kind="post_brief", now=NOW, after=channel)
        session.commit()
    assert claim(uow, "w", NOW) == ["channel"]
    assert claim(uow, "w", NOW + 2 * LEASE) == ["channel"]  # its lease ran out: not done yet
    with uow() as session:
        channel_id = item(uow, "channel").id
        assert outbox_leases.complete(session, channel_id, worker="w", result={"id": "C1"}, now=NOW)
        waiting = outbox_leases.claim_waiting_on(
            session, [channel_id], worker="w", now=NOW, lease=LEASE, limit=10
        )
        assert [entry.key for entry in waiting] == ["brief"]
        session.commit()
    assert claim(uow, "w2", NOW) == []  # leased with the completion, to start at once
    with uow.read() as session:
        assert outbox.result_of(session, "channel") == {"id": "C1"}
        assert outbox.result_of(session, "brief") is None  # not done yet


def test_a_failed_prerequisite_fails_everything_waiting_on_it(uow: UnitOfWork) -> None:
    with uow() as session:
        channel = outbox.enqueue(session, key="channel", kind="create_channel", now=NOW)
        brief = outbox.enqueue(session, key="brief", kind="post_brief", now=NOW, after=channel)
        outbox.enqueue(session, key="notice", kind="post_notice", now=NOW, after=brief)
        outbox.enqueue(session, key="other", kind="post_notice", now=NOW)
        session.commit()
    assert claim(uow, "w", NOW) == ["channel", "other"]
    with uow() as session:
        outbox_leases.give_up(session, item(uow, "channel").id, worker="w", error="boom", now=NOW)
        session.commit()
    assert (item(uow, "brief").state, item(uow, "notice").state) == ("failed", "failed")
    assert item(uow, "notice").last_error == f"depends on failed item {item(uow, 'channel').id}"
    assert item(uow, "other").state == "pending"
    assert claim(uow, "w", NOW + 2 * LEASE) == ["other"]


def test_a_retry_waits_until_it_is_due(uow: UnitOfWork) -> None:
    add(uow, ("a", "webhook", 0))
    assert claim(uow, "w", NOW) == ["a"]
    with uow() as session:
        later = NOW + timedelta(seconds=30)
        outbox_leases.retry_later(session, item(uow, "a").id, worker="w", error="429", at=later)
        session.commit()
    assert claim(uow, "w", NOW + timedelta(seconds=29)) == []
    assert claim(uow, "w", NOW + timedelta(seconds=30)) == ["a"]
    assert item(uow, "a").attempts == 2


def test_enqueueing_a_key_twice_is_one_item(uow: UnitOfWork) -> None:
    with uow() as session:
        first = outbox.enqueue(session, key="k", kind="post_notice", now=NOW, payload={"n": 1})
        again = outbox.enqueue(session, key="k", kind="post_notice", now=NOW, payload={"n": 2})
        assert again.id == first.id
        assert outbox.by_key(session, "k") is first
        assert outbox.by_key(session, "missing") is None
        session.commit()
    assert item(uow, "k").payload == {"n": 1}


def test_an_item_enqueued_after_a_failed_one_fails_with_it(uow: UnitOfWork) -> None:
    """As give_up fails what already waits: an item enqueued later would otherwise wait for a
    prerequisite that never completes, forever."""
    add(uow, ("first-email", "email_notice", 0))
    assert claim(uow, "w", NOW) == ["first-email"]
    first = item(uow, "first-email")
    with uow() as session:
        outbox_leases.give_up(session, first.id, worker="w", error="550 no such user", now=NOW)
        session.commit()
    with uow() as session:
        parent = outbox.by_key(session, "first-email")
        later = outbox.enqueue(session, key="later", kind="email_notice", now=NOW, after=parent)
        alone = outbox.enqueue(session, key="alone", kind="email_notice", now=NOW)
        session.commit()
        assert (later.state, later.last_error) == ("failed", f"depends on failed item {first.id}")
        assert alone.state == "pending"
    assert claim(uow, "w", NOW + LEASE) == ["alone"]


def test_a_batch_is_stored_on_leaving_it_parents_first(uow: UnitOfWork) -> None:
    """A declaration's forty items in a few INSERTs: each waits on the item it was given, and
    ``by_key`` finds an item of the batch before it is stored."""
    add(uow, ("stored", "post_notice", 0))
    with uow() as session:
        with outbox.batched(session):
            notice = outbox.enqueue(session, key="notice", kind="post_notice", now=NOW)
            channel = outbox.enqueue(session, key="channel", kind="create_channel", now=NOW)
            brief = outbox.enqueue(session, key="brief", kind="post_brief", now=NOW, after=channel)
            outbox.enqueue(session, key="late", kind="post_notice", now=NOW, after=brief)
            again = outbox.enqueue(session, key="stored", kind="post_notice", now=NOW)
            assert outbox.by_key(session, "brief") is brief
            assert brief.id is None  # not stored yet
        session.commit()
    assert (item(uow, "brief").after_id, item(uow, "late").after_id) == (channel.id, brief.id)
    assert item(uow, "channel").after_id is None
    assert again.id == item(uow, "stored").id  # the stored item, not a second one
    assert notice.id == item(uow, "notice").id
    assert claim(uow, "w", NOW) == ["stored", "notice", "channel"]


def test_a_batched_item_after_a_failed_one_fails_with_it(uow: UnitOfWork) -> None:
    add(uow, ("first-email", "email_notice", 0))
    assert claim(uow, "w", NOW) == ["first-email"]
    with uow() as session:
        outbox_leases.give_up(
            session, item(uow, "first-email").id, worker="w", error="550", now=NOW
        )
        session.commit()
    with uow() as session:
        with outbox.batched(session):
            parent = outbox.by_key(session, "first-email")
            outbox.enqueue(session, key="later", kind="email_notice", now=NOW, after=parent)
        session.commit()
    assert item(uow, "later").state == "failed"
