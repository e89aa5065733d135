"""The dispatcher over a real database (SQLite and PostgreSQL): each item delivered once even
with two dispatchers on one database, a crashed dispatcher's items taken over when its lease
runs out, failures retried no sooner than the service asked, dependents run after their
prerequisite with its result (started with it before it is recorded when leased ahead), and a
failure for good reported where someone can act on it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.outbox import hold as hold_module
from app.outbox import keys
from app.outbox.failures import DeliveryFailure
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.slack.gateway import SlackFailure
from app.store import outbox
from app.store.db import UnitOfWork
from app.store.models import Incident, OutboxItem
from tests.store.support import LEASE, NOW, Clock, Recorder, add, claim, dispatcher, item, keys_of

KINDS = (Kind.POST_NOTICE, Kind.PAGE_DM, Kind.CREATE_CHANNEL, Kind.POST_BRIEF, Kind.WEBHOOK)
AHEAD = pytest.mark.parametrize(
    "leased_ahead", [(), (Kind.CREATE_CHANNEL,)], ids=["with its record", "leased ahead"]
)


def test_each_item_is_delivered_once_and_recorded(uow: UnitOfWork) -> None:
    add(uow, *((f"n{n}", Kind.POST_NOTICE, 0) for n in range(5)))
    effects = Recorder()
    asyncio.run(dispatcher(uow, effects.table(*KINDS), Clock()).drain(timeout=10))
    assert sorted(effects.delivered) == [f"n{n}" for n in range(5)]
    done = item(uow, "n3")
    assert (done.state, done.result, done.claimed_until) == ("done", {"delivered": "n3"}, None)


def test_two_dispatchers_on_one_database_never_deliver_an_item_twice(uow: UnitOfWork) -> None:
    add(uow, *((f"n{n}", Kind.POST_NOTICE, 0) for n in range(40)))
    effects = Recorder(delay=0.01)  # slow enough that both have items in flight at once
    clock = Clock()
    first = dispatcher(uow, effects.table(*KINDS), clock, concurrency=4)
    second = dispatcher(uow, effects.table(*KINDS), clock, concurrency=4)

    async def both() -> None:
        await asyncio.gather(first.drain(timeout=20), second.drain(timeout=20))

    asyncio.run(both())
    assert sorted(effects.delivered) == sorted(f"n{n}" for n in range(40))
    assert {item(uow, f"n{n}").attempts for n in range(40)} == {1}
    with uow.read() as session:
        assert outbox.backlog(session) == 0


def test_a_crashed_dispatchers_item_is_delivered_once_its_lease_runs_out(
    uow: UnitOfWork,
) -> None:
    add(uow, ("page", Kind.PAGE_DM, 0))
    assert claim(uow, "crashed", NOW) == ["page"]  # claimed, then the process died
    clock, effects = Clock(), Recorder()
    survivor = dispatcher(uow, effects.table(*KINDS), clock)
    asyncio.run(survivor.drain(timeout=10))
    assert effects.delivered == []  # the lease still holds
    clock.advance(LEASE.total_seconds() + 1)
    asyncio.run(survivor.drain(timeout=10))
    assert effects.delivered == ["page"]
    delivered = item(uow, "page")
    assert (delivered.state, delivered.claimed_by, delivered.attempts) == (
        "done",
        survivor.worker,
        2,
    )


def test_a_transient_failure_is_retried_no_sooner_than_retry_after(uow: UnitOfWork) -> None:
    add(uow, ("hook", Kind.WEBHOOK, 0))
    clock = Clock()
    effects = Recorder(failures={"hook": [DeliveryFailure("HTTP 503", True, 30.0)]})
    deliver = dispatcher(uow, effects.table(*KINDS), clock)
    asyncio.run(deliver.drain(timeout=10))
    waiting = item(uow, "hook")
    assert (waiting.state, waiting.last_error, waiting.claimed_by) == ("pending", "HTTP 503", None)
    assert waiting.available_at.replace(tzinfo=None) == (NOW + timedelta(seconds=30)).replace(
        tzinfo=None
    )
    clock.advance(29)
    asyncio.run(deliver.drain(timeout=10))
    assert effects.delivered == []
    clock.advance(1)
    asyncio.run(deliver.drain(timeout=10))
    assert effects.delivered == ["hook"]
    assert (item(uow, "hook").state, item(uow, "hook").attempts) == ("done", 2)


def test_a_rate_limited_call_goes_again_without_counting_an_attempt(uow: UnitOfWork) -> None:
    add(uow, ("channel", Kind.CREATE_CHANNEL, 0))
    refused = SlackFailure("conversations.create", "ratelimited", True, 2.0, rate_limited=True)
    clock = Clock()
    effects = Recorder(failures={"channel": [refused, refused]})
    deliver = dispatcher(uow, effects.table(*KINDS), clock)
    for _ in range(2):
        asyncio.run(deliver.drain(timeout=10))
        assert item(uow, "channel").attempts == 0
        clock.advance(2)
    asyncio.run(deliver.drain(timeout=10))
    assert effects.delivered == ["channel"]
    assert item(uow, "channel").attempts == 1


@AHEAD
def test_a_dependent_runs_after_its_prerequisite_with_its_result(
    uow: UnitOfWork, leased_ahead: tuple[str, ...]
) -> None:
    with uow() as session:
        channel = outbox.enqueue(session, key="channel", kind=Kind.CREATE_CHANNEL, now=NOW)
        outbox.enqueue(session, key="brief", kind=Kind.POST_BRIEF, now=NOW, after=channel)
        session.commit()
    clock = Clock()
    effects = Recorder(failures={"channel": [DeliveryFailure("name_taken?", True, 5.0)]})
    deliver = dispatcher(uow, effects.table(*KINDS), clock, leased_ahead=leased_ahead)
    asyncio.run(deliver.drain(timeout=10))
    assert effects.delivered == []  # the brief waits while its channel is retried
    waiting = item(uow, "brief")  # given back if it was leased ahead: free, its attempt uncounted
    assert (waiting.claimed_by, waiting.attempts) == (None, 0)
    clock.advance(5)
    asyncio.run(deliver.drain(timeout=10))
    assert effects.delivered == ["channel", "brief"]
    assert effects.parents["brief"] == {"delivered": "channel"}


def test_what_waits_on_a_channel_goes_out_with_its_answer_and_is_ready_once_it_is_recorded(
    uow: UnitOfWork,
) -> None:
    """Leased while the channel is made, the brief starts with the channel's answer even while
    the database is slow to record it; what tells people the incident is ready (the pin,
    after ``settled``) waits for the record, as their commands in the channel need it."""
    with uow() as session:
        channel = outbox.enqueue(session, key="channel", kind=Kind.CREATE_CHANNEL, now=NOW)
        outbox.enqueue(session, key="brief", kind=Kind.POST_BRIEF, now=NOW, after=channel)
        session.commit()
    effects, seen = Recorder(), {}
    locked, unlock = threading.Event(), threading.Event()

    def hold_the_channels_row() -> None:  # SQLite's write lock, PostgreSQL's row lock
        with uow() as session:
            row = update(OutboxItem).where(OutboxItem.key == "channel").values(last_error="x")
            session.execute(row)
            locked.set()
            unlock.wait(5)
            session.rollback()

    async def make_channel(job: Job) -> Outcome:
        async with asyncio.timeout(10):
            while item(uow, "brief").claimed_by is None:
                await asyncio.sleep(0.01)
        threading.Thread(target=hold_the_channels_row).start()
        await asyncio.to_thread(locked.wait, 5)
        return await effects(job)

    async def post_brief(job: Job) -> Outcome:
        seen["channel as the brief went out"] = item(uow, "channel").state
        unlock.set()
        await job.settled()
        seen["channel as the brief was pinned"] = item(uow, "channel").state
        return await effects(job)

    table: dict[str, Effect] = {Kind.CREATE_CHANNEL: make_channel, Kind.POST_BRIEF: post_brief}
    deliver = dispatcher(uow, table, Clock(), leased_ahead=(Kind.CREATE_CHANNEL,))
    asyncio.run(deliver.drain(timeout=20))
    assert seen == {
        "channel as the brief went out": "pending",
        "channel as the brief was pinned": "done",
    }
    assert effects.parents == {"channel": None, "brief": {"delivered": "channel"}}
    brief = item(uow, "brief")
    assert (brief.state, brief.attempts, brief.result) == ("done", 1, {"delivered": "brief"})


@AHEAD
def test_dependents_of_outcomes_recorded_together_each_get_their_own_parents_result(
    uow: UnitOfWork, leased_ahead: tuple[str, ...]
) -> None:
    with uow() as session:
        for n in range(3):
            channel = outbox.enqueue(session, key=f"c{n}", kind=Kind.CREATE_CHANNEL, now=NOW)
            outbox.enqueue(session, key=f"b{n}", kind=Kind.POST_BRIEF, now=NOW, after=channel)
        session.commit()
    effects = Recorder(delay=0.05)  # the channels finish together: one transaction records them
    deliver = dispatcher(uow, effects.table(*KINDS), Clock(), leased_ahead=leased_ahead)
    asyncio.run(deliver.drain(timeout=10))
    assert sorted(effects.delivered) == sorted(
        [*(f"c{n}" for n in range(3)), *(f"b{n}" for n in range(3))]
    )
    assert effects.parents == {
        **{f"c{n}": None for n in range(3)},
        **{f"b{n}": {"delivered": f"c{n}"} for n in range(3)},
    }


def test_what_a_claim_prepares_reaches_the_effect_and_a_parents_handoff_wins(
    uow: UnitOfWork,
) -> None:
    with uow() as session:
        channel = outbox.enqueue(session, key="channel", kind=Kind.CREATE_CHANNEL, now=NOW)
        outbox.enqueue(session, key="brief", kind=Kind.POST_BRIEF, now=NOW, after=channel)
        session.commit()

    def prepare(session: Session, items: Sequence[OutboxItem]) -> dict[int, object]:
        ids = [i.id for i in items]
        stored = session.scalars(select(OutboxItem.key).where(OutboxItem.id.in_(ids)))
        assert sorted(stored) == sorted(i.key for i in items)  # read in the claim's transaction
        return {i.id: f"prepared for {i.key}" for i in items}

    class HandingOn(Recorder):
        async def __call__(self, job: Job) -> Outcome:
            await super().__call__(job)
            return Outcome({}, handoff=f"left by {job.key}")

    effects = HandingOn()
    deliver = dispatcher(uow, effects.table(*KINDS), Clock(), prepare=prepare)
    asyncio.run(deliver.drain(timeout=10))
    assert effects.handoffs == {"channel": "prepared for channel", "brief": "left by channel"}


def test_a_claim_whose_preparation_fails_still_delivers(uow: UnitOfWork) -> None:
    add(uow, ("channel", Kind.CREATE_CHANNEL, 0))

    def prepare(session: Session, items: Sequence[OutboxItem]) -> dict[int, object]:
        raise ValueError("a view that cannot be built")

    effects = Recorder()
    deliver = dispatcher(uow, effects.table(*KINDS), Clock(), prepare=prepare)
    asyncio.run(deliver.drain(timeout=10))
    assert effects.delivered == ["channel"]
    assert effects.handoffs == {"channel": None}  # the effect reads for itself


def test_a_failure_for_good_is_said_in_the_channel_and_fails_its_dependents(
    uow: UnitOfWork,
) -> None:
    with uow() as session:
        incident = _incident(session)
        dm = outbox.enqueue(session, key="dm", kind=Kind.PAGE_DM, now=NOW, incident_id=incident)
        outbox.enqueue(
            session, key="after", kind=Kind.POST_NOTICE, now=NOW, incident_id=incident, after=dm
        )
        outbox.enqueue(
            session, key="channel", kind=Kind.CREATE_CHANNEL, now=NOW, incident_id=incident
        )
        session.commit()
    refused = DeliveryFailure("restricted_action", False)
    effects = Recorder(failures={"dm": [refused], "channel": [refused]})
    asyncio.run(dispatcher(uow, effects.table(*KINDS), Clock()).drain(timeout=10))
    assert (item(uow, "dm").state, item(uow, "after").state) == ("failed", "failed")
    notice = item(uow, keys.failed("dm"))
    assert notice.kind == Kind.POST_NOTICE and notice.state == "done"
    assert "could not deliver `page_dm`" in notice.payload["text"]
    # no channel to say it in: the channel's own failure has a kind of its own
    assert keys_of(uow, Kind.CHANNEL_FAILED) == [keys.failed("channel")]
    assert item(uow, keys.failed("channel")).payload == {"error": "restricted_action"}


def test_what_waits_on_a_brief_refused_for_good_goes_on_after_the_channel(
    uow: UnitOfWork,
) -> None:
    """Invitations wait on the brief only to come after it: a brief Slack refuses must not
    keep people out of the incident channel."""
    with uow() as session:
        incident = _incident(session)
        channel = outbox.enqueue(
            session, key="channel", kind=Kind.CREATE_CHANNEL, now=NOW, incident_id=incident
        )
        brief = outbox.enqueue(
            session, key="brief", kind=Kind.POST_BRIEF, now=NOW, incident_id=incident, after=channel
        )
        outbox.enqueue(
            session, key="invite", kind=Kind.POST_NOTICE, now=NOW, incident_id=incident, after=brief
        )
        session.commit()
    effects = Recorder(failures={"brief": [DeliveryFailure("invalid_blocks", False)]})
    asyncio.run(dispatcher(uow, effects.table(*KINDS), Clock()).drain(timeout=10))
    assert (item(uow, "brief").state, item(uow, "invite").state) == ("failed", "done")
    assert item(uow, "invite").after_id == item(uow, "channel").id
    assert "could not deliver `post_brief`" in item(uow, keys.failed("brief")).payload["text"]


def test_a_held_dispatcher_starts_nothing_and_a_hold_that_never_ends_only_delays(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`beacon serve`'s web process holds its worker back while it answers a burst of requests;
    holds that keep coming stop nothing for longer than ``MAX_HOLD``."""
    monkeypatch.setattr(hold_module, "MAX_HOLD", 1.0)
    add(uow, ("page", Kind.PAGE_DM, 0))
    effects = Recorder()
    held = dispatcher(uow, effects.table(*KINDS), Clock())

    async def run() -> list[str]:
        held.hold(3600)
        running = asyncio.create_task(held.run())
        await asyncio.sleep(0.3)
        during = list(effects.delivered)
        async with asyncio.timeout(10):
            while not effects.delivered:
                await asyncio.sleep(0.02)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        return during

    assert asyncio.run(run()) == []
    assert effects.delivered == ["page"]


def test_a_claim_under_way_as_a_hold_begins_takes_nothing(uow: UnitOfWork) -> None:
    """A claim may wait for the database's lock while a burst begins and a delivery finishing
    meanwhile makes its dependents due: the claim must not start them either."""
    add(uow, ("page", Kind.PAGE_DM, 0))
    effects = Recorder()

    class HoldingAsItClaims(Clock):
        def __call__(self) -> datetime:
            held.hold(3600)
            return super().__call__()

    held = dispatcher(uow, effects.table(*KINDS), HoldingAsItClaims())
    assert asyncio.run(held.cycle()) == 0
    waiting = item(uow, "page")
    assert (waiting.state, waiting.claimed_by, effects.delivered) == ("pending", None, [])


@AHEAD
def test_what_waits_on_a_delivery_finishing_during_a_hold_starts_when_the_hold_ends(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, leased_ahead: tuple[str, ...]
) -> None:
    """A hold stops what a delivery in flight would start next (the channel's brief, its pin,
    its topic...), not only new claims: a chain would go on using the CPU a burst's acks need."""
    monkeypatch.setattr(hold_module, "MAX_HOLD", 1.0)
    with uow() as session:
        incident = _incident(session)
        channel = outbox.enqueue(
            session, key="channel", kind=Kind.CREATE_CHANNEL, now=NOW, incident_id=incident
        )
        outbox.enqueue(
            session, key="brief", kind=Kind.POST_BRIEF, now=NOW, incident_id=incident, after=channel
        )
        session.commit()
    effects = Recorder()

    async def channel_as_a_burst_begins(job: Job) -> Outcome:
        held.hold(3600)
        return await effects(job)

    table = {**effects.table(*KINDS), Kind.CREATE_CHANNEL: channel_as_a_burst_begins}
    held = dispatcher(uow, table, Clock(), leased_ahead=leased_ahead)

    async def run() -> list[str]:
        running = asyncio.create_task(held.run())
        async with asyncio.timeout(10):
            while not effects.delivered:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        during = list(effects.delivered)
        async with asyncio.timeout(10):
            while len(effects.delivered) < 2:
                await asyncio.sleep(0.02)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        return during

    assert asyncio.run(run()) == ["channel"]
    assert effects.delivered == ["channel", "brief"]
    assert effects.parents["brief"] == {"delivered": "channel"}


def test_a_delivery_finishing_during_a_hold_is_recorded_when_it_ends(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recording an outcome is a transaction whose CPU a burst's acks need: it waits for the
    hold to end (its lease is renewed meanwhile), and is not lost."""
    monkeypatch.setattr(hold_module, "MAX_HOLD", 1.0)
    add(uow, ("page", Kind.PAGE_DM, 0))
    effects = Recorder()

    async def page_as_a_burst_begins(job: Job) -> Outcome:
        held.hold(3600)
        return await effects(job)

    held = dispatcher(uow, {**effects.table(*KINDS), Kind.PAGE_DM: page_as_a_burst_begins}, Clock())

    async def run() -> tuple[str, str | None]:
        running = asyncio.create_task(held.run())
        async with asyncio.timeout(10):
            while not effects.delivered:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        during = item(uow, "page")
        async with asyncio.timeout(10):
            while item(uow, "page").state != "done":
                await asyncio.sleep(0.02)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        return during.state, during.claimed_by

    assert asyncio.run(run()) == ("pending", held.worker)
    assert (item(uow, "page").attempts, effects.delivered) == (1, ["page"])


def test_a_transient_failure_that_never_clears_is_given_up(uow: UnitOfWork) -> None:
    add(uow, ("hook", Kind.WEBHOOK, 0))
    clock = Clock()
    failing = [DeliveryFailure("HTTP 503", True) for _ in range(20)]
    effects = Recorder(failures={"hook": failing})
    deliver = dispatcher(uow, effects.table(*KINDS), clock)
    for _ in range(20):
        asyncio.run(deliver.drain(timeout=10))
        clock.advance(600)
    gone = item(uow, "hook")
    assert (gone.state, gone.attempts, effects.delivered) == ("failed", 12, [])


def _incident(session: Session) -> int:
    """An incident row to hang items on (a failure notice goes to its incident's channel)."""
    row = Incident(
        number=1,
        title="Checkout down",
        severity="SEV1",
        declared_severity="SEV1",
        declared_by="U1",
        commander="U1",
        declared_at=NOW,
    )
    session.add(row)
    session.flush()
    return row.id
