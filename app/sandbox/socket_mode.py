"""The fake's Socket Mode endpoint: says hello as Slack does, records what clients send (their
acks) and relays envelopes a test pushes (:meth:`SocketMode.send`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any

from aiohttp import WSMsgType, web

from app.sandbox.slack_model import APP_ID


class SocketMode:
    """The open Socket Mode connections and every frame they sent."""

    def __init__(self, lock: threading.Lock) -> None:
        #: Frames received from Socket Mode clients (acks), parsed as JSON.
        self.received: list[dict[str, Any]] = []
        self._lock = lock
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def connections(self) -> int:
        return len(self._sockets)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One client: hello, then record each text frame until it closes."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": APP_ID},
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    with contextlib.suppress(ValueError), self._lock:
                        self.received.append(json.loads(msg.data))
        finally:
            self._sockets.discard(ws)
        return ws

    def send(
        self, loop: asyncio.AbstractEventLoop, envelope: dict[str, Any], timeout: float
    ) -> int:
        """Push an envelope to every connected client from any thread; returns how many."""

        async def broadcast() -> int:
            targets = list(self._sockets)
            for ws in targets:
                await ws.send_json(envelope)
            return len(targets)

        return asyncio.run_coroutine_threadsafe(broadcast(), loop).result(timeout)

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
