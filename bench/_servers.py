"""Servers for the HTTP benchmarks, each run in a child process, and the parent-side handle.

``python bench/_servers.py beacon|bare|fake ARGS`` starts one of

* ``beacon SLACK_URL DATABASE_URL CONFIG_DIR``: the real app as ``beacon serve`` runs it (web app
  and outbox dispatcher in one event loop, one uvicorn worker);
* ``bare SLACK_URL``: Bolt's ``AsyncApp`` on the same Starlette adapter and uvicorn, with signing
  secret verification, whose ``/incident`` listener only calls ``await ack()``;
* ``fake LATENCY CHANNEL...``: ``app.sandbox.slack_api.FakeSlack``, until its stdin closes.

Each reports ``PORT <n>`` (servers) or ``URL <url>`` (fake) on stdout; its stderr goes to a log.
A child process has its own GIL, so the load generator or the fake Slack cannot slow the server
under test (and the other way round) except by competing for CPU cores.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import _common
import httpx
from _common import BOT_TOKEN, SIGNING_SECRET

STARTUP_TIMEOUT_S = 30.0


def _listen() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _announce(line: str) -> None:
    """Tell the parent process something (one line on stdout)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _serve(app: Any) -> None:
    import uvicorn

    sock = _listen()
    _announce(f"PORT {sock.getsockname()[1]}")
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


def serve_beacon(slack_url: str, database_url: str, config_dir: Path) -> None:
    """The real app, as ``beacon serve`` runs it: the web app, with the outbox dispatcher and
    timers in the worker process it starts (settings in the environment, which it inherits).

    When the configuration pages through PagerDuty too, a fake PagerDuty (50 ms per event) in a
    thread of this process receives the triggers; without one every trigger would fail for good
    and post a failure notice in the incident channel, which is not what is measured here.
    """
    from app.bootstrap import build, build_bolt
    from app.catalog.loader import load_catalog
    from app.cli_support import SWITCH_INTERVAL
    from app.settings import Settings
    from app.web import create_web_app
    from app.worker_process import WorkerProcess
    from tests.fakes.pagerduty import FakePagerDuty

    pagerduty = load_catalog(config_dir).policy.pagerduty
    if pagerduty is not None:
        fake = FakePagerDuty(latency=_common.SLACK_LATENCY).start()
        os.environ[pagerduty.routing_key_env] = "R" * 32
        os.environ["PAGERDUTY_EVENTS_URL"] = fake.url
    os.environ.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_url,
        DATABASE_URL=database_url,
        BEACON_CONFIG_DIR=str(config_dir),
    )
    beacon = build(Settings(_env_file=None))  # type: ignore[call-arg]
    gc.collect()
    gc.freeze()  # as `beacon serve` does after building (app/cli_support.py)
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = create_web_app(beacon, build_bolt(beacon), worker=False, companion=WorkerProcess())
    _serve(app)


def serve_bare(slack_url: str) -> None:
    """The floor: Bolt on Starlette/uvicorn with signature checks and a listener that only acks."""
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bolt = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=False,
    )

    @bolt.command("/incident")
    async def incident(ack: AsyncAck) -> None:
        await ack()

    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    _serve(Starlette(routes=[Route("/slack/events", events, methods=["POST"])]))


def serve_fake(latency: float, channels: list[str]) -> None:
    """The fake Slack until stdin closes; then a JSON count of the calls it served, by method."""
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack(latency=latency, channels=channels) as fake:
        _announce(f"URL {fake.url}")
        sys.stdin.read()  # until the parent closes our stdin
        counts: dict[str, int] = {}
        for call in list(fake.calls):
            counts[call.method] = counts.get(call.method, 0) + 1
        _announce("CALLS " + json.dumps(counts, sort_keys=True))


# --- child process management (parent side) ----------------------------------------------------


class Child:
    """One server of this module in a child process, speaking one-line messages on stdout."""

    def __init__(self, role: str, *args: str, log: Path) -> None:
        self.role = role
        self.log = log
        self.url = ""
        """A server's base URL, once it has reported its port."""
        self._log_file: IO[str] = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, role, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
            cwd=_common.ROOT,
        )

    def expect(self, prefix: str, timeout: float = STARTUP_TIMEOUT_S) -> str:
        """The rest of the next stdout line, which must start with ``prefix``."""
        found: list[str] = []

        def read() -> None:
            assert self.proc.stdout is not None
            found.append(self.proc.stdout.readline())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        line = found[0].strip() if found else ""
        if not line.startswith(prefix + " "):
            self.stop()
            raise RuntimeError(
                f"{self.role} did not report {prefix!r} (got {line!r});"
                f" its log:\n{self.log.read_text()[-3000:]}"
            )
        return line[len(prefix) + 1 :]

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self._log_file.close()


@contextlib.contextmanager
def server(role: str, *args: str, log: Path) -> Iterator[Child]:
    """Start a server child, wait until it answers HTTP, yield it, stop it."""
    child = Child(role, *args, log=log)
    try:
        child.url = f"http://127.0.0.1:{child.expect('PORT')}"
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                httpx.get(child.url + "/", timeout=1.0)
                break
            except httpx.TransportError as error:
                if time.monotonic() > deadline or child.proc.poll() is not None:
                    tail = log.read_text()[-3000:]
                    raise RuntimeError(f"{role} never answered; log:\n{tail}") from error
                time.sleep(0.05)
        yield child
    finally:
        child.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds(pid: int) -> float:
    """CPU the process's children have used so far (Linux /proc; NaN elsewhere): for Beacon,
    the worker process `beacon serve` starts."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return math.nan
    return sum(cpu_seconds(int(child)) for child in children)


def main(argv: list[str]) -> int:
    role, args = argv[0], argv[1:]
    if role == "beacon":
        serve_beacon(args[0], args[1], Path(args[2]))
    elif role == "bare":
        serve_bare(args[0])
    elif role == "fake":
        serve_fake(float(args[0]), args[1:])
    else:
        raise SystemExit(f"unknown role {role!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
