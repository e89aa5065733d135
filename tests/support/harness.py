"""Beacon served over real HTTP in a background thread, talking to the fake Slack."""

from __future__ import annotations

import itertools
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
import uvicorn

from app.beacon import Beacon
from app.bootstrap import build, build_bolt
from app.sandbox.slack_model import Channel
from app.settings import Settings
from app.web import create_web_app
from tests.fakes.signing import (
    block_actions_payload,
    interaction_body,
    sign,
    slash_command_body,
)
from tests.fakes.slack_api import FakeSlack

SIGNING_SECRET = "test-signing-secret"
CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
T = TypeVar("T")


def eventually(
    check: Callable[[], T | None | Literal[False]], *, timeout: float = 10.0, interval: float = 0.02
) -> T:
    """Poll until ``check`` returns something truthy; delivery is asynchronous by design. The
    value returned is that truthy one, so it is typed without the ``None`` or ``False`` a
    ``found and ... and found`` check answers while it waits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s: {check}")
        time.sleep(interval)


def pinned_channel(slack: FakeSlack, name: str, *, timeout: float = 10.0) -> Channel:
    """The channel ``name`` once Beacon has pinned something there: the incident is set up."""

    def ready() -> Channel | None:
        channel = slack.channel_by_name(name)
        return channel if channel is not None and channel.pins else None

    return eventually(ready, timeout=timeout)


class FakeClock:
    """Real time plus whatever a test has skipped ahead, so deadlines can be reached at once."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = start - datetime.now(UTC) if start else timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def _fail_leaked(server: uvicorn.Server | None, thread: threading.Thread) -> None:
    """A server that outlives its test keeps its dispatcher claiming the next tests' outbox items
    on a shared database: stop it hard and fail here, with where it was stuck, instead of there."""
    frame = sys._current_frames().get(thread.ident or 0)
    stack = "".join(traceback.format_stack(frame)) if frame else "(no frame)"
    if server is not None:
        server.force_exit = True
    thread.join(timeout=10)
    raise AssertionError(f"Beacon did not stop within 10 s; its server thread was at:\n{stack}")


class RunningBeacon:
    def __init__(
        self,
        *,
        database_url: str,
        slack: FakeSlack,
        config_dir: Path = CONFIG_DIR,
        worker: bool = True,
        clock: Callable[[], datetime] | None = None,
        **settings: Any,
    ) -> None:
        self.slack = slack
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.url,
            database_url=database_url,
            beacon_config_dir=config_dir,
            beacon_timer_interval=0.1,
            **settings,
        )
        self.worker = worker
        self.beacon: Beacon = build(self.settings, clock=clock) if clock else build(self.settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self._requests = itertools.count(1)
        """Numbers each request's response_url; safe from tests' threads."""
        self.last_trigger = ""
        """The trigger id of the last command, to find the form it opened."""
        self.last_response_token = ""
        """The token of the last command's response_url, to find its private replies."""

    def __enter__(self) -> RunningBeacon:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        web = create_web_app(self.beacon, build_bolt(self.beacon), worker=self.worker)
        config = uvicorn.Config(web, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        eventually(lambda: self._server is not None and self._server.started, timeout=10)
        self.http = httpx.Client(base_url=self.url, timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                _fail_leaked(self._server, self._thread)
        self.beacon.engine.dispose()

    def post_signed(self, body: bytes, content_type: str, **sign_kwargs: Any) -> httpx.Response:
        headers = {"Content-Type": content_type, **sign(body, SIGNING_SECRET, **sign_kwargs)}
        return self.http.post("/slack/events", content=body, headers=headers)

    def command(
        self, text: str, *, user: str = "U0RESP1", channel: str = "C0GENERAL"
    ) -> httpx.Response:
        """``/incident <text>`` as a person types it; Slack's escaping is applied here. Safe
        from several threads at once (the ``last_`` attributes are then one of theirs)."""
        trigger = self.last_trigger = self.slack.issue_trigger_id()
        token = self.last_response_token = f"cmd{next(self._requests)}"
        body = slash_command_body(
            self.slack.slash_text(text),
            user_id=user,
            channel_id=channel,
            response_url=self.slack.response_url(token),
            trigger_id=trigger,
        )
        return self.post_signed(body, "application/x-www-form-urlencoded")

    def click(
        self, action_id: str, value: str, *, user: str, channel: str | None = None
    ) -> httpx.Response:
        payload = block_actions_payload(
            action_id=action_id,
            value=value,
            user_id=user,
            channel_id=channel,
            response_url=self.slack.response_url(f"click{next(self._requests)}"),
            trigger_id=self.slack.issue_trigger_id(),
        )
        return self.interact(payload)

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post_signed(interaction_body(payload), "application/x-www-form-urlencoded")

    def replies_to(self, response: httpx.Response) -> str:
        """What the user saw: the ack body's text, if the command answered in the ack."""
        if not response.content:
            return ""
        return str(response.json().get("text", ""))
