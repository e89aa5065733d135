"""Work started after an ack takes its turn once the requests of a burst are answered
(app/ack_first.py): never while one is, however long ago it arrived."""

from __future__ import annotations

import asyncio

from app.ack_first import LOOK_AROUND, WINDOW, AckFirst


def test_work_waits_for_a_request_still_being_answered_long_after_it_arrived() -> None:
    """A stalled event loop leaves no arrival within ``WINDOW``; a request still being answered
    keeps the work waiting all the same."""
    acks = AckFirst()
    ran: list[str] = []

    async def work() -> None:
        async with acks.turn():
            ran.append("work")

    async def run() -> None:
        with acks.answering():
            await asyncio.sleep(WINDOW * 1.5)
            waiting = asyncio.create_task(work())
            await asyncio.sleep(WINDOW)
            ran.append("answered")
        await asyncio.wait_for(waiting, timeout=5)

    asyncio.run(run())
    assert ran == ["answered", "work"]


def test_a_lone_commands_work_runs_once_its_listener_has_acked() -> None:
    """Not once Bolt has sent the ack (its next look, 10 ms later), nor a ``WINDOW`` later: a
    declaration's channel and pages are what its declarer waits for."""
    acks = AckFirst()
    done = asyncio.Event()

    async def work() -> None:
        async with acks.turn():
            done.set()

    async def run() -> None:
        with acks.answering() as burst:
            assert not burst
            acks.later(work)  # as the listener does, after its ack
            await asyncio.wait_for(done.wait(), timeout=WINDOW / 2)

    asyncio.run(run())


def test_a_request_reaching_the_loop_just_after_the_first_holds_its_work_back() -> None:
    """A burst's first request is answered before the loop has read the rest: its work must not
    start in front of them."""
    acks = AckFirst()
    ran: list[str] = []
    done = asyncio.Event()

    async def work() -> None:
        async with acks.turn():
            ran.append("work")
            done.set()

    async def run() -> None:
        with acks.answering():
            acks.later(work)
        await asyncio.sleep(0)  # the work's task starts; the next request is read
        with acks.answering() as burst:
            assert burst
            await asyncio.sleep(LOOK_AROUND * 2)
            ran.append("second answered")
        await asyncio.wait_for(done.wait(), timeout=5)

    asyncio.run(run())
    assert ran == ["second answered", "work"]
