"""The edge answers a request as soon as its listener acks, whatever Bolt does after.

Bolt itself looks for the ack every 10 ms; the scenario tests drive the real Bolt through the
edge. Here a stand-in for Bolt's dispatch pins what the edge must do on its own: answer with the
ack while the dispatch has not returned, Bolt's own answer when there is no ack, and say so when
the dispatch fails after the answer was sent."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import pytest
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest

from app.edge import CHECKED, AnsweringAck, answer_on_ack


class Dispatch:
    """Bolt's ``async_dispatch`` as a listener drives it: acks (or not), then goes on until told."""

    def __init__(self, *, acks: bool, fails: bool = False) -> None:
        self.acks = acks
        self.fails = fails
        self.go_on = asyncio.Event()
        self.finished = asyncio.Event()

    async def async_dispatch(self, request: AsyncBoltRequest) -> BoltResponse:
        if not self.acks:
            return BoltResponse(status=404, body="unhandled")
        await request.context.ack(text="Declaring…", response_type="ephemeral")
        await self.go_on.wait()
        self.finished.set()
        if self.fails:
            raise RuntimeError("listener middleware broke")
        return BoltResponse(status=200, body="")


def _request(ack: AnsweringAck) -> AsyncBoltRequest:
    return AsyncBoltRequest(
        body={"command": "/incident", "text": "declare SEV2 Checkout down", "user_id": "U1"},
        context={CHECKED: True, "ack": ack},
        mode="socket_mode",
    )


async def _answer(bolt: Dispatch) -> BoltResponse:
    ack = AnsweringAck()
    return await asyncio.wait_for(
        answer_on_ack(cast(AsyncApp, bolt), _request(ack), ack), timeout=5
    )


async def test_the_ack_is_the_answer_while_the_dispatch_goes_on() -> None:
    bolt = Dispatch(acks=True)
    response = await _answer(bolt)
    assert response.status == 200
    assert "Declaring" in response.body
    assert not bolt.finished.is_set()
    bolt.go_on.set()
    await asyncio.wait_for(bolt.finished.wait(), timeout=5)


async def test_without_an_ack_bolts_own_answer_is_given() -> None:
    response = await _answer(Dispatch(acks=False))
    assert (response.status, response.body) == (404, "unhandled")


async def test_a_dispatch_failing_after_the_answer_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bolt = Dispatch(acks=True, fails=True)
    await _answer(bolt)
    with caplog.at_level(logging.ERROR, logger="app.edge"):
        bolt.go_on.set()
        await asyncio.wait_for(bolt.finished.wait(), timeout=5)
        for _ in range(3):
            await asyncio.sleep(0)
    assert "listener middleware broke" in caplog.text
