"""Work started after an ack takes its turn once the requests of a burst are answered
(app/ack_first.py): never while one is, however long ago it arrived."""

from __future__ import annotations

import asyncio

from app.ack_first import WINDOW, AckFirst


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
            for _ in range(10):  # a few turns of the event loop, none of them a wait
                await asyncio.sleep(0)
            assert done.is_set()

    asyncio.run(run())
