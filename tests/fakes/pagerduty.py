"""A fake PagerDuty Events API v2 served over real HTTP on 127.0.0.1, for tests and benchmarks.

Why a real server (as with :mod:`tests.fakes.slack_api`): pointing
:class:`app.paging.pagerduty.PagerDutyClient` at ``FakePagerDuty().url`` exercises the real
request encoding, status handling and connection errors instead of mocks. The aiohttp server
runs on its own event loop in a daemon thread, so sync and async tests can share it.

Events are validated as PagerDuty does (400 ``invalid event`` with ``errors``); accepted ones
are recorded in :attr:`FakePagerDuty.events`. :meth:`FakePagerDuty.down` closes the listening
port and every open connection, so clients see connections refused, as in a real outage.

Usage::

    with FakePagerDuty() as fake:
        client = PagerDutyClient("R" * 32, url=fake.url)
        await client.trigger(dedup_key="k", summary="s", source="beacon", severity="critical")
        assert fake.open_incidents() == {"k"}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

__all__ = ["ACTIONS", "SEVERITIES", "FakePagerDuty"]

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
SUMMARY_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
MAX_EVENT_BYTES = 512 * 1024
PATH = "/v2/enqueue"

T = TypeVar("T")

Body = dict[str, Any]


@dataclass
class _Failure:
    status: int
    remaining: int | None
    retry_after: float | None


class FakePagerDuty:
    """Fake ``POST /v2/enqueue`` on 127.0.0.1 with failure injection and outages."""

    def __init__(self, *, latency: float = 0.0) -> None:
        #: Seconds added to every request (non-blocking); settable at runtime.
        self.latency = latency
        #: Accepted events, as sent (``dedup_key`` filled in when PagerDuty would make one).
        self.events: list[Body] = []
        #: Rejected requests: the parsed body (or None) and the errors answered.
        self.rejected: list[tuple[Body | None, list[str]]] = []
        self._open: dict[str, str] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle --------------------------------------------------------

    def start(self) -> FakePagerDuty:
        """Bind a free port and serve in a background thread; returns self."""
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            ready.set()
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="fake-pagerduty", daemon=True)
        self._thread.start()
        ready.wait(10)
        try:
            self._call(self._serve())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Shut the server down and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            self._call(self._shutdown())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FakePagerDuty:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def down(self) -> None:
        """An outage: close the port and open connections, so connecting is refused."""
        self._call(self._shutdown())

    def up(self) -> None:
        """End an outage: listen again on the same port (so :attr:`url` stays valid)."""
        if self._runner is None:
            self._call(self._serve())

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """:meth:`down` for the duration of a ``with`` block."""
        self.down()
        try:
            yield
        finally:
            self.up()

    @property
    def is_up(self) -> bool:
        return self._runner is not None

    @property
    def url(self) -> str:
        """The full enqueue URL, for ``PagerDutyClient(url=...)``."""
        if self._port is None:
            raise RuntimeError("FakePagerDuty not started")
        return f"http://127.0.0.1:{self._port}{PATH}"

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            coro.close()
            raise RuntimeError("FakePagerDuty not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _serve(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self._port or 0))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        app = web.Application(client_max_size=4 * MAX_EVENT_BYTES)
        app.router.add_post(PATH, self._handle_enqueue)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.SockSite(runner, sock, backlog=128).start()
        self._runner = runner

    async def _shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # -- failure injection ------------------------------------------------

    def fail_next(self, status: int = 500, count: int = 1, retry_after: float | None = 1) -> None:
        """Answer the next ``count`` requests with HTTP ``status``; nothing is recorded.

        429 (and 503) carry ``Retry-After: retry_after`` unless it is None.
        """
        with self._lock:
            self._failures.append(_Failure(status, count, retry_after))

    def reset_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def _take_failure(self) -> _Failure | None:
        if not self._failures:
            return None
        failure = self._failures[0]
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.pop(0)
        return failure

    # -- state accessors --------------------------------------------------

    def open_incidents(self) -> set[str]:
        """Dedup keys triggered and not resolved since (acknowledged ones stay open)."""
        with self._lock:
            return set(self._open)

    def status_of(self, dedup_key: str) -> str | None:
        """``triggered``, ``acknowledged``, ``resolved``, or None if never triggered."""
        with self._lock:
            if dedup_key in self._open:
                return self._open[dedup_key]
            seen = any(e.get("dedup_key") == dedup_key for e in self.events)
            return "resolved" if seen else None

    def events_for(self, dedup_key: str) -> list[Body]:
        with self._lock:
            return [e for e in self.events if e.get("dedup_key") == dedup_key]

    def clear(self) -> None:
        with self._lock:
            self.events.clear()
            self.rejected.clear()
            self._open.clear()

    # -- HTTP -------------------------------------------------------------

    async def _handle_enqueue(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        with self._lock:
            status, body, headers = self._process(raw)
        return web.json_response(body, status=status, headers=headers)

    def _process(self, raw: bytes) -> tuple[int, Body, dict[str, str]]:
        """Caller holds the lock."""
        failure = self._take_failure()
        if failure is not None:
            return _failure_response(failure)
        event: Body | None = None
        try:
            parsed = json.loads(raw)
        except ValueError:
            errors = ["Event object is not valid JSON"]
        else:
            if isinstance(parsed, dict):
                event = parsed
                errors = _validate(event, len(raw))
            else:
                errors = ["Event object must be a JSON object"]
        if errors or event is None:
            self.rejected.append((event, errors))
            invalid: Body = {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": errors,
            }
            return 400, invalid, {}
        if not event.get("dedup_key"):
            event["dedup_key"] = uuid.uuid4().hex  # PagerDuty makes one for a keyless trigger
        key = str(event["dedup_key"])
        action = event["event_action"]
        if action == "trigger":
            self._open[key] = "triggered"
        elif action == "acknowledge" and key in self._open:
            self._open[key] = "acknowledged"
        elif action == "resolve":
            self._open.pop(key, None)
        self.events.append(event)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}, {}


def _failure_response(failure: _Failure) -> tuple[int, Body, dict[str, str]]:
    headers: dict[str, str] = {}
    if failure.status in (429, 503) and failure.retry_after is not None:
        headers["Retry-After"] = f"{failure.retry_after:g}"
    if failure.status == 429:
        message = "Requests for this service are arriving too quickly. Please retry later."
        return 429, {"status": "throttle event", "message": message}, headers
    if failure.status >= 500:
        return failure.status, {"status": "error", "message": "Internal server error"}, headers
    body: Body = {"status": "invalid event", "message": "Event object is invalid", "errors": []}
    return failure.status, body, headers


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _validate(event: Body, size: int) -> list[str]:
    """PagerDuty's checks, as far as Beacon can get them wrong; empty when the event is valid."""
    errors: list[str] = []
    if size > MAX_EVENT_BYTES:
        errors.append(f"Event object is larger than {MAX_EVENT_BYTES} bytes")
    if _blank(event.get("routing_key")):
        errors.append("'routing_key' is missing or blank")
    action = event.get("event_action")
    if _blank(action):
        errors.append("'event_action' is missing or blank")
    elif action not in ACTIONS:
        errors.append("'event_action' is invalid (must be trigger, acknowledge or resolve)")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None:
        if not isinstance(dedup_key, str):
            errors.append("'dedup_key' must be a string")
        elif len(dedup_key) > DEDUP_KEY_LIMIT:
            errors.append(f"'dedup_key' is longer than {DEDUP_KEY_LIMIT} characters")
    if action in ("acknowledge", "resolve") and _blank(dedup_key):
        errors.append(f"'dedup_key' is required to {action} an alert")
    if action == "trigger":
        errors.extend(_validate_trigger(event))
    return errors


def _validate_trigger(event: Body) -> list[str]:
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors: list[str] = []
    summary = payload.get("summary")
    if _blank(summary):
        errors.append("'payload.summary' is missing or blank")
    elif isinstance(summary, str) and len(summary) > SUMMARY_LIMIT:
        errors.append(f"'payload.summary' is longer than {SUMMARY_LIMIT} characters")
    if _blank(payload.get("source")):
        errors.append("'payload.source' is missing or blank")
    severity = payload.get("severity")
    if _blank(severity):
        errors.append("'payload.severity' is missing or blank")
    elif severity not in SEVERITIES:
        errors.append("'payload.severity' is invalid (must be critical, error, warning or info)")
    links = event.get("links", [])
    if not isinstance(links, list) or not all(
        isinstance(link, dict) and not _blank(link.get("href")) for link in links
    ):
        errors.append("'links' must be a list of objects with an 'href'")
    return errors
