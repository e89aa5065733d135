"""Beacon served in this process on a loopback port, for a drill to drive over real HTTP.

Same wiring as ``beacon serve`` (settings → build → Bolt → Starlette on uvicorn), in a
background thread so the drill's own event loop stays free to act as the people in it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

import uvicorn

from app.beacon import Beacon
from app.bootstrap import build, build_bolt
from app.catalog.models import Catalog
from app.settings import Settings
from app.slack.pacing import Pacer
from app.store import outbox
from app.store.migrate import upgrade
from app.web import create_web_app

T = TypeVar("T")


class Stage:
    def __init__(
        self,
        settings: Settings,
        *,
        catalog: Catalog,
        clock: Callable[[], datetime],
        fast: bool = True,
    ) -> None:
        self.beacon: Beacon = build(settings, catalog=catalog, clock=clock)
        if fast:
            # Slack's posting pace (about 1 message/s per channel) is real time, which a
            # compressed clock cannot skip; the sandbox has no such limit.
            self.beacon.gateway.pacer = Pacer(
                channel_rate=100, channel_burst=100, workspace_rate=1000, workspace_burst=1000
            )
        if self.beacon.engine.dialect.name == "sqlite":
            upgrade(self.beacon.engine)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> Stage:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        web = create_web_app(self.beacon, build_bolt(self.beacon), worker=True)
        self._server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="on"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="drill-beacon", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("Beacon did not start for the drill")
            time.sleep(0.02)
        return self

    async def on_beacon_loop(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on Beacon's own event loop: its Slack client keeps one aiohttp session,
        and a session serves only the loop that opened it (the server thread's, not the drill's)."""
        assert self._server is not None and self._server.servers
        loop = self._server.servers[0].get_loop()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.beacon.engine.dispose()

    def backlog(self) -> int:
        """Deliveries not yet made: the drill waits for them before its next step."""
        with self.beacon.uow() as session:
            return outbox.backlog(session)
