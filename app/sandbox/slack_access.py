"""What tests, drills and the sandbox page read and seed on a running fake Slack: the calls it
answered, the workspace's conversations, messages, views and files, and seeded channels, users
and messages, each under the lock the server thread shares.

A base of :class:`app.sandbox.slack_api.FakeSlack`, kept apart from its HTTP serving.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.sandbox.slack_model import Body, Channel, Ephemeral, Message, UploadedFile, Usergroup
from app.sandbox.slack_state import Workspace


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


class SlackAccess:
    """Reading and seeding the fake's state from test code, while the server runs."""

    workspace: Workspace
    calls: list[Call]
    #: JSON bodies POSTed to response_url URLs (what users saw via respond()).
    responses: list[dict[str, Any]]
    _response_log: list[tuple[str, dict[str, Any], float]]
    _lock: threading.Lock

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

    def channel(self, name: str) -> Channel:
        """The channel ``name`` (or ``#name``), which a test expects to exist: KeyError if not."""
        channel = self.channel_by_name(name)
        if channel is None:
            raise KeyError(f"no channel named {name}")
        return channel

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
