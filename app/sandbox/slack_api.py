"""A fake Slack Web API served over real HTTP on 127.0.0.1: the embedded sandbox of
``beacon serve`` without a token, and the Slack of tests, drills and benchmarks.

Why a real server: Beacon talks to Slack through slack_sdk/slack_bolt clients
(sync and async). Pointing them at ``FakeSlack().url`` exercises the real
request encoding, retry handlers and error handling instead of mocks.

The aiohttp server runs on its own event loop in a daemon thread, so plain
sync tests, async tests and benchmark scripts can all share it. Every call is
validated against Slack's OpenAPI spec and Block Kit limits, recorded in
:attr:`FakeSlack.calls`, and applied to an in-memory workspace
(:mod:`app.sandbox.slack_state`, its methods in :mod:`app.sandbox.methods`). Reading and
seeding that state is :mod:`app.sandbox.slack_access`; injected failures
:mod:`app.sandbox.failures`; Socket Mode :mod:`app.sandbox.socket_mode`.

Usage::

    with FakeSlack(users={"ana@example.com": "U0ANA"}) as fake:
        client = WebClient(base_url=fake.url, token="xoxb-test")
        client.chat_postMessage(channel="#incidents", text="hi")
        assert fake.messages("incidents")[0].text == "hi"
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from app.sandbox import scopes as scope_rules
from app.sandbox import slack_requests
from app.sandbox.composer import slash_text
from app.sandbox.failures import Failure, Failures
from app.sandbox.faults import Faults
from app.sandbox.openapi import ApiSpec, load_spec
from app.sandbox.rate_limits import CHANNEL_BURST, CHANNEL_RATE, WORKSPACE_RATE, RateLimits
from app.sandbox.slack_access import Call, SlackAccess
from app.sandbox.slack_model import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    Body,
    Channel,
    Ephemeral,
    Message,
)
from app.sandbox.slack_state import Workspace
from app.sandbox.socket_mode import SocketMode

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "TEAM_NAME",
    "Call",
    "Channel",
    "Ephemeral",
    "FakeSlack",
    "Message",
]

_MAX_BODY = 64 * 1024 * 1024


class FakeSlack(SlackAccess):
    """Fake Slack Web API + response_url sink + Socket Mode stub on 127.0.0.1."""

    def __init__(
        self,
        spec_path: Path | None = None,
        *,
        latency: float = 0.0,
        users: Mapping[str, str] | None = None,
        channels: Iterable[str] = ("incidents", "cs-incidents"),
        channel_rate_limit: float | None = CHANNEL_RATE,
        channel_burst: float = CHANNEL_BURST,
        workspace_rate_limit: float | None = WORKSPACE_RATE,
        rate_limits: RateLimits | None = None,
        scopes: Iterable[str] | None = None,
    ) -> None:
        self.spec: ApiSpec = load_spec(spec_path)
        #: Bot scopes granted to the token; manifest.yml's unless a test seeds a different grant.
        self.scopes: set[str] = set(scope_rules.manifest_scopes() if scopes is None else scopes)
        #: Seconds from each Web API call's arrival to its answer (non-blocking); settable.
        self.latency = latency
        #: Every method at its Slack tier (app/sandbox/rate_limits.py); replaceable at runtime.
        self.limits = rate_limits or RateLimits(
            channel_rate=channel_rate_limit,
            channel_burst=channel_burst,
            workspace_rate=workspace_rate_limit,
        )
        #: Outages and failures after apply (app/sandbox/faults.py).
        self.faults = Faults(lambda method: self.spec.get(method) is not None)
        self.workspace = Workspace(users=users, channels=channels)
        self.calls = []
        self.responses = []
        self._response_log = []
        self._failures = Failures()
        self._lock = threading.Lock()
        self._socket = SocketMode(self._lock)
        #: Frames received from Socket Mode clients (acks), parsed as JSON.
        self.socket_received: list[dict[str, Any]] = self._socket.received
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle --------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind a free port and serve in a background thread; returns self."""
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self.workspace.base_url = self.root_url
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # surface bind/setup errors to start()
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="fake-slack", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            self._thread = None
            raise RuntimeError("FakeSlack failed to start") from errors[0]
        return self

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response_url/{token}", self._handle_response_url)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_get("/socket", self._socket.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, backlog=1024).start()

    def stop(self) -> None:
        """Close websockets, shut the server down and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            await self._socket.close()
            if self._runner is not None:
                await self._runner.cleanup()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = self._runner = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeSlack not started")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``, ending with ``/api/``."""
        return f"{self.root_url}api/"

    def response_url(self, token: str) -> str:
        """A response_url to put in payloads; posts land in :attr:`responses`."""
        return f"{self.root_url}response_url/{token}"

    def slash_text(self, typed: str) -> str:
        """``typed`` escaped as Slack sends a slash command's text (:mod:`composer`)."""
        with self._lock:
            return slash_text(typed, self.workspace)

    def socket_send(self, envelope: dict[str, Any], timeout: float = 5.0) -> int:
        """Push a Socket Mode envelope to every connected client; returns how many."""
        if self._loop is None:
            raise RuntimeError("FakeSlack not started")
        return self._socket.send(self._loop, envelope, timeout)

    @property
    def socket_connections(self) -> int:
        return self._socket.connections

    # -- failure injection and rate limits --------------------------------

    def fail_next(
        self,
        method: str | None,
        *,
        status: int = 500,
        count: int = 1,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next ``count`` calls to ``method`` (any if None) answer HTTP ``status``.

        429 carries ``Retry-After`` and ``{"ok": false, "error": "ratelimited"}``;
        failed calls never change state. ``status=200, error="..."`` injects a
        Slack-level error instead.
        """
        self._check_method(method)
        with self._lock:
            self._failures.add(Failure(method, status, count, retry_after, error))

    @contextlib.contextmanager
    def fail_while(
        self,
        method: str | None,
        *,
        status: int = 500,
        retry_after: int = 1,
        error: str | None = None,
    ) -> Iterator[None]:
        """Fail every matching call while the ``with`` block runs (an outage)."""
        self._check_method(method)
        failure = Failure(method, status, None, retry_after, error)
        with self._lock:
            self._failures.add(failure)
        try:
            yield
        finally:
            with self._lock:
                self._failures.remove(failure)

    def reset_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def _check_method(self, method: str | None) -> None:
        """A typo in an injected method name would silently inject nothing."""
        if method is not None and self.spec.get(method) is None:
            raise ValueError(f"unknown Slack method: {method}")

    def _rate_limited(self, method: str, args: dict[str, Any]) -> int | None:
        """Seconds to wait (rounded up) if the call exceeds its method's limit, else None."""
        ref = args.get("channel")
        channel = self.workspace.lookup(ref) if isinstance(ref, str) else None
        return self.limits.check(method, channel.id if channel is not None else str(ref))

    # -- HTTP handlers ----------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        parse_error: str | None = None
        try:
            args = await slack_requests.read_args(request)
        except slack_requests.BadBody as exc:
            args, parse_error = {}, str(exc)
        token = slack_requests.bearer(request.headers.get("Authorization"))
        arg_token = args.pop("token", None)
        if token is None and isinstance(arg_token, str) and arg_token:
            token = arg_token
        if (wait := at + self.latency - time.monotonic()) > 0:  # reading the body counts
            await asyncio.sleep(wait)
        with self._lock:
            status, body, headers = self._process(method, args, token, parse_error)
            self.calls.append(Call(method, args, status, body, at))
            headers = {**headers, "x-oauth-scopes": ",".join(sorted(self.scopes))}
        return web.Response(
            text=json.dumps(body), status=status, headers=headers, content_type="application/json"
        )

    def _process(
        self, method: str, args: dict[str, Any], token: str | None, parse_error: str | None
    ) -> tuple[int, Body, dict[str, str]]:
        """Validation pipeline, in the order Slack applies it. Caller holds the lock."""
        if self.spec.get(method) is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        failure = self._failures.take(method)
        if failure is not None:
            return failure.response()
        outage = self.faults.before(method)
        if outage is not None:
            return outage
        if parse_error:
            return 200, {"ok": False, "error": parse_error}, {}
        auth_error = slack_requests.auth_error(method, token)
        if auth_error:
            return 200, {"ok": False, "error": auth_error}, {}
        missing = self.spec.missing_required(method, args)
        if missing:
            messages = [f"[ERROR] missing required field: {name}" for name in missing]
            body: Body = {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": messages},
            }
            return 200, body, {}
        if token and token.startswith("xoxb-"):
            refused = scope_rules.missing_scope(method, args, self.workspace, self.scopes)
            if refused is not None:
                return 200, refused, {}
        wait = self._rate_limited(method, args)
        if wait is not None:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
        return self.faults.after(method, self.workspace.call(method, args))

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"text": raw.decode("utf-8", "replace")}
        if not isinstance(body, dict):
            body = {"body": body}
        with self._lock:
            self.responses.append(body)
            self._response_log.append((token, body, time.time()))
        return web.Response(text="ok")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        with self._lock:
            known = self.workspace.receive_upload(request.match_info["file_id"], data)
        if not known:
            return web.Response(status=404, text="file not found")
        return web.Response(text=f"OK - {len(data)}")
