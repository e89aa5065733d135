from __future__ import annotations

import asyncio

import pytest

from app.slack.pacing import Pacer, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_one_per_interval() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, burst=3.0, clock=clock)
    assert [bucket.delay() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.delay() == 1.0
    assert bucket.delay() == 2.0
    clock.now = 10.0
    assert bucket.delay() == 0.0


def test_workspace_budget_spreads_a_fan_out() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=20.0, burst=20.0, clock=clock)
    delays = [bucket.delay() for _ in range(300)]
    assert delays[19] == 0.0
    assert abs(delays[-1] - 14.0) < 1e-9


class SleepingClock(Clock):
    """asyncio.sleep replaced by advancing the clock, so pacing is checked without waiting."""

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _pacer(clock: SleepingClock, monkeypatch: pytest.MonkeyPatch, burst: float = 1.0) -> Pacer:
    monkeypatch.setattr("app.slack.pacing.asyncio.sleep", clock.sleep)
    return Pacer(channel_burst=burst, workspace_rate=20.0, workspace_burst=10.0, clock=clock)


async def test_posts_in_one_channel_are_spaced_by_a_second_and_a_margin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = SleepingClock()
    pacer = _pacer(clock, monkeypatch)
    sent = []
    for _ in range(3):
        await pacer.wait("C1")
        sent.append(clock.now)
    assert sent == pytest.approx([0.0, 1.05, 2.1])


async def test_other_channels_share_only_the_workspace_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = SleepingClock()
    pacer = _pacer(clock, monkeypatch)
    for channel in range(10):
        await pacer.wait(f"C{channel}")
    assert clock.now == 0.0
    await pacer.wait("C10")
    assert clock.now == pytest.approx(0.05)


async def test_a_channel_burst_goes_at_once_then_one_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = SleepingClock()
    pacer = _pacer(clock, monkeypatch, burst=3.0)
    sent = []
    for _ in range(4):
        await pacer.wait("C1")
        sent.append(clock.now)
    assert sent == pytest.approx([0.0, 0.0, 0.0, 1.05])


async def test_waiting_posts_go_most_urgent_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workspace tokens, and a channel's turn, go to pages of the most severe incident first
    (a token free when nobody waits goes at once to whoever asks: the workspace's only token
    is taken first here, so that all three wait)."""
    clock = SleepingClock()
    monkeypatch.setattr("app.slack.pacing.asyncio.sleep", clock.sleep)
    pacer = Pacer(channel_burst=1.0, workspace_rate=1.0, workspace_burst=1.0, clock=clock)
    order: list[str] = []

    async def post(channel: str, name: str, priority: tuple[int, int]) -> None:
        await pacer.wait(channel, priority)
        order.append(name)

    await post("C0", "earlier", (1, 0))
    order.clear()
    await asyncio.gather(
        post("C1", "notice", (1, 0)), post("C2", "sev3", (0, 2)), post("C3", "sev1", (0, 0))
    )
    assert order == ["sev1", "sev3", "notice"]
    order.clear()
    await asyncio.gather(
        post("D1", "first", (1, 0)), post("D1", "sev3", (0, 2)), post("D1", "sev1", (0, 0))
    )
    assert order == ["first", "sev1", "sev3"]


async def test_a_post_with_a_token_free_goes_before_tasks_already_waiting_to_run() -> None:
    """Nobody waits and a token is free: the post goes at once, not after a hop through the
    token releaser, which would put it behind every task the event loop has ready (the twenty
    deliveries a dispatcher starts when an incident's channel is made)."""
    pacer = Pacer()
    ran: list[int] = []

    async def other(n: int) -> None:
        ran.append(n)

    others = [asyncio.create_task(other(n)) for n in range(20)]
    await pacer.wait("C1")
    assert ran == []
    await asyncio.gather(*others)
