"""A fake Slack Web API served over real HTTP on 127.0.0.1: the embedded sandbox of
``beacon serve`` without a token, and the Slack of tests, drills and benchmarks.

Why a real server: Beacon talks to Slack through slack_sdk/slack_bolt clients
(sync and async). Pointing them at ``FakeSlack().url`` exercises the real
request encoding, retry handlers and error handling instead of mocks.

The aiohttp server runs on its own event loop in a daemon thread, so plain
sync tests, async tests and benchmark scripts can all share it. Every call is
validated against Slack's OpenAPI spec and Block Kit limits, recorded in
:attr:`FakeSlack.calls`, and applied to an in-memory workspace
(:mod:`app.sandbox.slack_state`).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from app.sandbox import scopes as scope_rules
from app.sandbox.composer import slash_text
from app.sandbox.faults import Faults
from app.sandbox.openapi import ApiSpec, load_spec
from app.sandbox.rate_limits import CHANNEL_BURST, CHANNEL_RATE, WORKSPACE_RATE, RateLimits
from app.sandbox.slack_state import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    Body,
    Channel,
    Ephemeral,
    Message,
    UploadedFile,
    Usergroup,
    Workspace,
)

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

# Arguments Slack accepts as JSON strings inside form bodies.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
_MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class Call:
    """One recorded Web API call. ``at`` is ``time.monotonic()`` on arrival."""

    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class _Failure:
    method: str | None
    status: int
    remaining: int | None
    retry_after: int
    error: str | None

    def matches(self, method: str) -> bool:
        return self.method is None or self.method == method


class _BadBody(Exception):
    pass


class FakeSlack:
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
        #: Seconds added to every Web API call (non-blocking); settable at runtime.
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
        self.calls: list[Call] = []
        #: JSON bodies POSTed to :meth:`response_url` URLs (what users saw via respond()).
        self.responses: list[dict[str, Any]] = []
        #: Frames received from Socket Mode clients (acks), parsed as JSON.
        self.socket_received: list[dict[str, Any]] = []
        self._response_log: list[tuple[str, dict[str, Any], float]] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
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
        app.router.add_get("/socket", self._handle_socket)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, backlog=1024).start()

    def stop(self) -> None:
        """Close websockets, shut the server down and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            for ws in list(self._sockets):
                await ws.close()
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
            self._failures.append(_Failure(method, status, count, retry_after, error))

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
        failure = _Failure(method, status, None, retry_after, error)
        with self._lock:
            self._failures.append(failure)
        try:
            yield
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._failures.remove(failure)

    def reset_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def _check_method(self, method: str | None) -> None:
        """A typo in an injected method name would silently inject nothing."""
        if method is not None and self.spec.get(method) is None:
            raise ValueError(f"unknown Slack method: {method}")

    def _take_failure(self, method: str) -> _Failure | None:
        for failure in self._failures:
            if failure.matches(method):
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                return failure
        return None

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
            args = await _read_args(request)
        except _BadBody as exc:
            args, parse_error = {}, str(exc)
        token = _bearer(request.headers.get("Authorization"))
        arg_token = args.pop("token", None)
        if token is None and isinstance(arg_token, str) and arg_token:
            token = arg_token
        latency = self.latency
        if latency > 0:
            await asyncio.sleep(latency)
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
        failure = self._take_failure(method)
        if failure is not None:
            return _failure_response(failure)
        outage = self.faults.before(method)
        if outage is not None:
            return outage
        if parse_error:
            return 200, {"ok": False, "error": parse_error}, {}
        auth_error = _auth_error(method, token)
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

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode stub: says hello, records acks, relays :meth:`socket_send`."""
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
                        self.socket_received.append(json.loads(msg.data))
        finally:
            self._sockets.discard(ws)
        return ws

    def socket_send(self, envelope: dict[str, Any], timeout: float = 5.0) -> int:
        """Push a Socket Mode envelope to every connected client; returns how many."""
        if self._loop is None:
            raise RuntimeError("FakeSlack not started")

        async def broadcast() -> int:
            targets = list(self._sockets)
            for ws in targets:
                await ws.send_json(envelope)
            return len(targets)

        return asyncio.run_coroutine_threadsafe(broadcast(), self._loop).result(timeout)

    @property
    def socket_connections(self) -> int:
        return len(self._sockets)

    # -- state accessors ----------------------------------------------------
    # Containers are copied under the lock so tests can iterate them while the
    # server thread keeps mutating; the Channel/Message objects inside are live.

    @property
    def channels(self) -> dict[str, Channel]:
        """All conversations by id (channels, DMs, group DMs), in creation order."""
        with self._lock:
            return dict(self.workspace.channels)

    @property
    def ims(self) -> dict[str, Channel]:
        """1:1 DM channels (conversations.open, or chat.postMessage to a user id), by user."""
        with self._lock:
            return dict(self.workspace.ims)

    @property
    def views(self) -> dict[str, Body]:
        """Every modal/home view opened, pushed, updated or published, by view id."""
        with self._lock:
            return dict(self.workspace.views)

    @property
    def home_views(self) -> dict[str, Body]:
        """The current App Home view per user id (views.publish)."""
        with self._lock:
            return dict(self.workspace.home_views)

    @property
    def ephemerals(self) -> list[Ephemeral]:
        with self._lock:
            return list(self.workspace.ephemerals)

    @property
    def files(self) -> dict[str, UploadedFile]:
        with self._lock:
            return dict(self.workspace.files)

    @property
    def users(self) -> dict[str, str]:
        """Email -> user id, as answered by users.lookupByEmail."""
        with self._lock:
            return dict(self.workspace.users)

    @property
    def trigger_ttl(self) -> float | None:
        return self.workspace.trigger_ttl

    @trigger_ttl.setter
    def trigger_ttl(self, value: float | None) -> None:
        self.workspace.trigger_ttl = value

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def clear_calls(self) -> None:
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self._response_log.clear()

    @property
    def response_log(self) -> list[tuple[str, dict[str, Any], float]]:
        """Every response_url body with its URL's token and arrival (``time.time()``)."""
        with self._lock:
            return list(self._response_log)

    @contextlib.contextmanager
    def locked(self) -> Iterator[Workspace]:
        """Hold the state lock while reading live messages and channels (e.g. to render them)."""
        with self._lock:
            yield self.workspace

    def responses_to(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for t, body, _ in self._response_log if t == token]

    def channel_by_name(self, name: str) -> Channel | None:
        with self._lock:
            channel = self.workspace.lookup(name if name.startswith("#") else f"#{name}")
            return channel if channel is not None and not channel.is_im else None

    def _lookup(self, channel: str) -> Channel:
        found = self.workspace.lookup(channel)
        if found is None:
            raise KeyError(f"no such channel: {channel}")
        return found

    def messages(self, channel: str) -> list[Message]:
        """Top-level messages (oldest first) by channel id, name, ``#name`` or DM user id."""
        with self._lock:
            return list(self._lookup(channel).messages)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """Replies to the message at ``ts`` (oldest first)."""
        with self._lock:
            parent = self._lookup(channel).find(ts)
            if parent is None:
                raise KeyError(f"no message {ts} in {channel}")
            return list(parent.replies)

    def find_message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            return self._lookup(channel).find(ts)

    # -- seeding ----------------------------------------------------------

    def add_channel(
        self,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        bot_member: bool = False,
    ) -> Channel:
        """Seed a channel (id derived from the name, e.g. ``C0GENERAL``)."""
        with self._lock:
            return self.workspace.add_channel(
                name.lstrip("#"), is_private=is_private, members=members, bot_member=bot_member
            )

    create_channel = add_channel

    def add_user(self, email: str, user_id: str | None = None, **profile: Any) -> str:
        """Register a user for users.lookupByEmail / users.info; returns the id."""
        with self._lock:
            return self.workspace.add_user(email, user_id, **profile)

    def add_usergroup(self, handle: str, users: Iterable[str], *, name: str = "") -> Usergroup:
        with self._lock:
            return self.workspace.add_usergroup(handle, users, name=name)

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> Message:
        """Simulate a human's message (e.g. to reply to, pin or react to)."""
        with self._lock:
            return self.workspace.add_message(
                channel, text, user=user, thread_ts=thread_ts, blocks=blocks
            )

    def issue_trigger_id(self) -> str:
        """A fresh trigger_id that expires after :attr:`trigger_ttl` seconds."""
        with self._lock:
            return self.workspace.issue_trigger_id()


# -- module helpers ----------------------------------------------------------


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def _auth_error(method: str, token: str | None) -> str | None:
    if not token:
        return "not_authed"
    wants_app_token = method in _APP_TOKEN_METHODS
    if token.startswith("xapp-"):
        return None if wants_app_token else "not_allowed_token_type"
    if token.startswith("xoxb-"):
        return "not_allowed_token_type" if wants_app_token else None
    return "invalid_auth"


def _failure_response(failure: _Failure) -> tuple[int, Body, dict[str, str]]:
    if failure.status == 429:
        headers = {"Retry-After": str(failure.retry_after)}
        return 429, {"ok": False, "error": failure.error or "ratelimited"}, headers
    if failure.status >= 500:
        return failure.status, {"ok": False, "error": failure.error or "internal_error"}, {}
    return failure.status, {"ok": False, "error": failure.error or "fatal_error"}, {}


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Merge query string and form/JSON body; decode JSON-string block/view args."""
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.read()
            if raw.strip():
                try:
                    data = json.loads(raw)
                except ValueError as exc:
                    raise _BadBody("invalid_json") from exc
                if not isinstance(data, dict):
                    raise _BadBody("invalid_json")
                args.update(data)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, field in form.items():
                args[key] = field.file.read() if isinstance(field, web.FileField) else field
        else:
            raw = await request.read()
            args.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for key in _JSON_ARGS:
        raw_value = args.get(key)
        if isinstance(raw_value, str) and raw_value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(raw_value)
    return args
