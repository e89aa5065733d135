"""`beacon serve`'s worker in a process of its own, tied to the web process by one socket.

The dispatcher's deliveries and the timers are Python work. In the web process they share the
GIL with the event loop, and under a burst of slash commands every ack waited behind them
(docs/benchmarks.md: Beacon's p99 was 77 × bare Bolt's with them in the process, 1.4 × without).
So `beacon serve` runs them as `beacon worker` in a child process, as the Procfile's two
processes do, with what one command needs besides:

* a doorbell across the processes: the web process writes a byte after each commit that
  enqueued deliveries, and the worker wakes its dispatcher at once instead of at its next poll;
* a hold: while the web process answers a burst of requests it says so, and the worker starts
  no delivery, makes no Slack call and records nothing until the burst is over, or for 3 s at
  most (its deliveries took the CPU the acks needed: with them, Beacon's ack p99 was 1.6-2.1 x
  bare Bolt's on two cores, without them 0.8-1.2 x);
* one lifetime: the worker dies with the web process (Linux's parent-death signal, and the
  socket's end of file everywhere) and is started again if it exits on its own;
* one health: the worker says over the same socket when its dispatcher starts and stops failing,
  so the web's ``/healthz`` answers for deliveries as it did with the dispatcher in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

log = logging.getLogger(__name__)

WORKER = (sys.executable, "-m", "app", "worker")
RESTART_PAUSE = 1.0
"""Seconds before a worker that exited is started again; doubled while it keeps exiting."""
MAX_RESTART_PAUSE = 30.0
STEADY = 60.0
"""Seconds a worker must have run for its next exit to be restarted after ``RESTART_PAUSE``."""
STOP_TIMEOUT = 10.0
"""Seconds a worker gets to finish its deliveries in flight after SIGTERM."""
REPORT_EVERY = 1.0
"""Seconds between the worker's looks at whether its dispatcher's state changed."""
NICENESS = 10
"""The worker yields the CPU to the web process it serves: an ack is waited for, a delivery
a few milliseconds later is not."""
HOLD = 0.2
"""Seconds the worker starts no delivery, makes no Slack call and records nothing after the
web process says it is answering a burst; it says so again every ``HOLD / 2`` while the burst
goes on (the wait is capped: app/outbox/hold.py)."""
RING = b"\0"
HOLD_BACK = b"h"
OK = b"ok\n"
FAILING = b"failing "
_PR_SET_PDEATHSIG = 1


class WorkerProcess:
    """The web process's side: starts the worker, rings it, hears how it is."""

    def __init__(self, command: Sequence[str] = WORKER) -> None:
        self.command = list(command)
        self.failing_since: datetime | None = None
        """When the worker's dispatcher began failing to claim or record, as it reported."""
        self.down_since: datetime | None = None
        """Since when no worker runs, once one has exited; None while one does."""
        self._socket: socket.socket | None = None
        self._held_at = -HOLD
        """When the worker was last told to hold back (monotonic seconds)."""

    def ring(self) -> None:
        """Safe from any thread. A byte already waiting wakes the worker as well, so a full
        buffer loses nothing; with no worker running, the next one claims what is due."""
        self._send(RING)

    def hold(self) -> None:
        """The web process is answering a burst: the worker holds its deliveries back for
        ``HOLD`` seconds. Called for every request of the burst, told at most every
        ``HOLD / 2``."""
        now = time.monotonic()
        if now - self._held_at >= HOLD / 2:
            self._held_at = now
            self._send(HOLD_BACK)

    def _send(self, message: bytes) -> None:
        if (ours := self._socket) is not None:
            with contextlib.suppress(OSError):
                ours.send(message)

    async def run(self) -> None:
        """The worker, started again whenever it exits, until cancelled; then it is stopped."""
        pause = RESTART_PAUSE
        while True:
            started = asyncio.get_running_loop().time()
            code = await self._run_once()
            self.down_since, self.failing_since = datetime.now(UTC), None
            if asyncio.get_running_loop().time() - started > STEADY:
                pause = RESTART_PAUSE
            log.error("the worker process exited with code %s; starting it in %.0f s", code, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RESTART_PAUSE)

    async def _run_once(self) -> int:
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        with ours:
            with theirs:
                process = await asyncio.create_subprocess_exec(
                    *self.command, "--doorbell-fd", str(theirs.fileno()), pass_fds=[theirs.fileno()]
                )
            self._socket, self.down_since = ours, None
            hearing = asyncio.create_task(self._hear(ours))
            try:
                return await process.wait()
            except asyncio.CancelledError:
                await _stop(process)
                raise
            finally:
                self._socket = None
                hearing.cancel()

    async def _hear(self, ours: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        pending = b""
        while chunk := await loop.sock_recv(ours, 256):
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                self.failing_since = (
                    datetime.fromisoformat(line.removeprefix(FAILING).decode())
                    if line.startswith(FAILING)
                    else None
                )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        async with asyncio.timeout(STOP_TIMEOUT):
            await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()


class ParentLink:
    """The worker's side of the socket `beacon serve` started it with. Made first thing, so
    that the worker's own start (imports, configuration, indexes: a second of CPU) already
    yields to the web process, which may be answering a storm by then."""

    def __init__(self, fd: int) -> None:
        _die_with_parent()
        os.nice(NICENESS)
        self._socket = socket.socket(fileno=fd)
        self._socket.setblocking(False)

    async def serve(
        self,
        wake: Callable[[], None],
        hold: Callable[[float], None],
        failing_since: Callable[[], datetime | None],
    ) -> None:
        """Wakes the dispatcher on each ring, holds it back when told, and reports its state;
        returns once the web process is gone (end of file), even if it left without its
        parent-death signal."""
        reporting = asyncio.create_task(self._report(failing_since))
        try:
            loop = asyncio.get_running_loop()
            while signals := await loop.sock_recv(self._socket, 4096):
                if HOLD_BACK in signals:
                    hold(HOLD)
                if RING in signals:
                    wake()
        except ConnectionError:
            pass
        finally:
            reporting.cancel()
            self._socket.close()

    async def _report(self, failing_since: Callable[[], datetime | None]) -> None:
        loop = asyncio.get_running_loop()
        told: datetime | None = None
        while True:
            await asyncio.sleep(REPORT_EVERY)
            if (now := failing_since()) != told:
                told = now
                line = OK if now is None else FAILING + now.isoformat().encode() + b"\n"
                await loop.sock_sendall(self._socket, line)


def _die_with_parent() -> None:
    """On Linux, the kernel kills this process when its parent dies, even by SIGKILL: a worker
    left behind would go on delivering for a web process that is gone (and beside its
    replacement's worker)."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
