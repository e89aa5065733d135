"""`beacon serve`'s worker process: rung by the web process, heard by its health check, started
again when it exits, and never left behind by a web process that dies."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.ack_first import AckFirst
from app.outbox import hold as hold_module
from app.outbox.hold import Hold
from app.slack.gateway import SlackGateway, make_client
from app.worker_process import HOLD_BACK, RING, WorkerProcess
from tests.e2e.test_cli import serving
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import eventually

STAND_IN = textwrap.dedent(
    """
    import socket, sys
    link = socket.socket(fileno=int(sys.argv[sys.argv.index("--doorbell-fd") + 1]))
    assert link.recv(1) == b"\\0"
    link.sendall(b"failing 2026-12-03T10:00:00+00:00\\n")
    assert link.recv(1) == b"\\0"
    link.sendall(b"ok\\n")
    assert link.recv(1) == b"\\0"
    sys.exit(3)
    """
)
"""A worker that answers each ring with its next state, and exits after the third."""


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_rings_reach_the_worker_its_state_comes_back_and_it_is_restarted() -> None:
    companion = WorkerProcess([sys.executable, "-c", STAND_IN])
    running = asyncio.create_task(companion.run())
    try:
        await _until(lambda: companion._socket is not None)
        companion.ring()
        await _until(lambda: companion.failing_since is not None)
        assert companion.failing_since == datetime(2026, 12, 3, 10, tzinfo=UTC)
        companion.ring()
        await _until(lambda: companion.failing_since is None)
        companion.ring()
        await _until(lambda: companion.down_since is not None)
        await _until(lambda: companion.down_since is None)  # started again
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def test_a_burst_of_requests_holds_the_worker_back_without_a_byte_per_request() -> None:
    acks, companion = AckFirst(), WorkerProcess()
    ours, theirs = socket.socketpair()
    companion._socket = ours
    with ours, theirs:
        assert not acks.arrived()  # a lone request is no burst
        for _ in range(50):
            if acks.arrived():
                companion.hold()
        companion.ring()
        told = theirs.recv(64)
    assert told.endswith(RING)
    assert 1 <= told.count(HOLD_BACK) <= 2  # told again only if the loop stalled past HOLD / 2


async def test_a_held_worker_makes_no_slack_call_until_the_hold_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A delivery under way when a burst begins (a post that waited for its channel's turn)
    makes its call after the burst: the call's work would take the CPU the acks need. Holds
    that keep coming delay it by ``MAX_HOLD`` at most."""
    monkeypatch.setattr(hold_module, "MAX_HOLD", 1.0)
    hold = Hold()
    with FakeSlack() as slack:
        gateway = SlackGateway(make_client("xoxb-test-token", slack.url), hold=hold)
        hold.hold(3600)
        call = asyncio.create_task(gateway.call("auth.test"))
        await asyncio.sleep(0.3)
        during = [made.method for made in slack.calls]
        assert (await call)["ok"] is True
        assert (during, [made.method for made in slack.calls]) == ([], ["auth.test"])


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_serve_runs_its_worker_apart_and_says_so_while_it_is_down(tmp_path: Path) -> None:
    with FakeSlack() as slack, serving(slack, tmp_path, SLACK_SIGNING_SECRET="s") as served:
        health = f"http://127.0.0.1:{served.port}/healthz"
        worker = eventually(lambda: _children(served.pid), timeout=15)[0]
        os.kill(worker, signal.SIGKILL)
        down = eventually(lambda: httpx.get(health).status_code == 503 and httpx.get(health))
        assert down.json()["delivery"].startswith("worker process down since ")
        eventually(lambda: httpx.get(health).status_code == 200, timeout=20)
        assert _children(served.pid) != [worker]


def test_a_worker_dies_with_its_web_process(tmp_path: Path) -> None:
    with FakeSlack() as slack, serving(slack, tmp_path, SLACK_SIGNING_SECRET="s") as served:
        worker = eventually(lambda: _children(served.pid), timeout=15)[0]
        os.kill(served.pid, signal.SIGKILL)
        eventually(lambda: not _alive(worker), timeout=5)
