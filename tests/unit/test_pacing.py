from __future__ import annotations

from app.slack.pacing import TokenBucket


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
