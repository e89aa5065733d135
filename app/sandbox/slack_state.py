"""In-memory model of one Slack workspace, as seen by the Beacon bot.

This module knows nothing about HTTP: :meth:`Workspace.call` runs one Web API method of
:mod:`app.sandbox.methods` (``chat.postMessage`` is :func:`app.sandbox.methods.chat.post_message`)
on the parsed arguments and returns the response body, or the error body of the
:class:`~app.sandbox.slack_model.SlackError` it raised. Keeping it HTTP-free makes the state easy
to assert on and cheap to run under load. The workspace holds the state and the lookups and
message plumbing every method shares; the methods hold what each one does.

Not thread-safe on its own: :class:`app.sandbox.slack_api.FakeSlack` serialises
access with a lock shared by the server thread and test code.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

from app.sandbox import block_kit, membership
from app.sandbox import slack_args as arg
from app.sandbox.methods import HANDLERS, users
from app.sandbox.slack_model import (
    BOT_USER_ID,
    USER_ID,
    Args,
    Body,
    Channel,
    Ephemeral,
    Message,
    SlackError,
    UploadedFile,
    Usergroup,
)

__all__ = ["Workspace"]


class Workspace:
    """All state of the fake workspace, and the lookups its Web API methods share."""

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        channels: Iterable[str] = (),
        base_url: str = "http://127.0.0.1:0/",
    ) -> None:
        self.base_url = base_url
        self.channels: dict[str, Channel] = {}
        self.ims: dict[str, Channel] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, Body] = {}
        self.home_views: dict[str, Body] = {}
        self.files: dict[str, UploadedFile] = {}
        self.users: dict[str, str] = {}
        self.usergroups: dict[str, Usergroup] = {}
        self.used_triggers: set[str] = set()
        #: The view each trigger opened or pushed, so a UI knows whose screen a modal is on.
        self.view_triggers: dict[str, str] = {}
        self.issued_triggers: dict[str, float] = {}
        #: Triggers minted by :meth:`issue_trigger_id` expire after this many seconds.
        self.trigger_ttl: float | None = 3.0
        #: Channel id by name, group DMs by their members, view id by external_id.
        self.by_name: dict[str, str] = {}
        self.mpims: dict[frozenset[str], Channel] = {}
        self.external_views: dict[str, str] = {}
        self._profiles: dict[str, Body] = {}
        self._seq = itertools.count(1)
        self._last_ts = 0
        for email, user_id in (users or {}).items():
            self.add_user(email, user_id)
        for name in channels:
            self.add_channel(name.lstrip("#"))

    # -- dispatch ---------------------------------------------------------

    def handles(self, method: str) -> bool:
        return method in HANDLERS

    def call(self, method: str, args: Args) -> Body:
        """Run one method; unmodelled (but spec-valid) methods just answer ok."""
        handler = HANDLERS.get(method)
        if handler is None:
            return {"ok": True, "warning": "method_not_modelled_by_fake"}
        try:
            return handler(self, args)
        except SlackError as exc:
            return exc.body()

    # -- ids and seeding --------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq):08X}"

    def next_ts(self) -> str:
        """Wall-clock based, unique and strictly increasing across the workspace."""
        micros = max(time.time_ns() // 1000, self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def issue_trigger_id(self) -> str:
        """A trigger id that expires after :attr:`trigger_ttl` seconds, like Slack's."""
        trigger = f"{int(time.time())}.{next(self._seq)}.{secrets.token_hex(8)}"
        self.issued_triggers[trigger] = time.monotonic()
        return trigger

    def add_channel(
        self,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        bot_member: bool = False,
        creator: str = "U0CREATOR",
        readable_id: bool = True,
    ) -> Channel:
        """Seed a channel. ``readable_id`` derives the id from the name (``general`` ->
        ``C0GENERAL``) so tests can use ids in payloads; API-created channels get opaque ids.
        """
        if name in self.by_name:
            raise ValueError(f"channel name taken: {name}")
        prefix = "G" if is_private else "C"
        channel_id = f"{prefix}0{re.sub(r'[^A-Z0-9]', '', name.upper())}" if readable_id else ""
        if len(channel_id) < 3 or channel_id in self.channels:
            channel_id = self.new_id(prefix)
        channel = Channel(
            id=channel_id,
            name=name,
            is_private=is_private,
            members=set(members) | ({BOT_USER_ID} if bot_member else set()),
            created=int(time.time()),
            creator=creator,
        )
        self.channels[channel.id] = channel
        self.by_name[name] = channel.id
        return channel

    def add_user(self, email: str, user_id: str | None = None, **profile: Any) -> str:
        user_id = user_id or self.new_id("U")
        self.users[email] = user_id
        self._profiles[user_id] = {"email": email, **profile}
        return user_id

    def profile(self, user_id: str) -> Body:
        """What seeding said about a user: email, name, and the kind flags (``deleted``,
        ``is_bot``, ``is_restricted``, ``is_ultra_restricted``) users.info reports."""
        return self._profiles.get(user_id, {})

    def add_usergroup(self, handle: str, users: Iterable[str], *, name: str = "") -> Usergroup:
        group = Usergroup(self.new_id("S"), handle, name or handle, list(users))
        self.usergroups[group.id] = group
        return group

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> Message:
        """Simulate a human posting (so tests can react to, pin or reply to it)."""
        target = self.lookup(channel)
        if target is None:
            raise KeyError(channel)
        parent = self.thread_parent(target, thread_ts) if thread_ts else None
        return self.store_message(
            target, Message(ts=self.next_ts(), user=user, text=text, blocks=blocks), parent
        )

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """Bytes POSTed to an upload_url; False when the id is unknown."""
        upload = self.files.get(file_id)
        if upload is None:
            return False
        upload.content = content
        return True

    # -- lookups ----------------------------------------------------------

    def lookup(self, ref: str) -> Channel | None:
        """Channel by id, name, ``#name`` or (existing DM) user id; never creates."""
        if ref in self.channels:
            return self.channels[ref]
        cid = self.by_name.get(ref[1:] if ref.startswith("#") else ref)
        if cid is not None:
            return self.channels[cid]
        return self.ims.get(ref)

    def channel_arg(self, args: Args, key: str = "channel", *, dm_users: bool = False) -> Channel:
        """The conversation ``args[key]`` names, as the bot may see it (``channel_not_found``
        for a private channel it is not in); ``dm_users`` opens a DM for a user id."""
        ref = arg.string(args, key)
        channel = self.lookup(ref) if ref else None
        if channel is None and dm_users and ref and USER_ID.fullmatch(ref):
            channel = self.open_dm([ref])[0]
        if channel is None or (channel.is_private and not channel.is_member):
            raise SlackError("channel_not_found")
        return channel

    def message_at(self, channel: Channel, ts: str | None) -> Message:
        message = channel.find(ts)
        if message is None:
            raise SlackError("message_not_found")
        return message

    def thread_parent(self, channel: Channel, thread_ts: str) -> Message:
        parent = channel.find(thread_ts)
        if parent is None:
            raise SlackError("thread_not_found")
        if parent.is_reply:
            parent = self.message_at(channel, parent.thread_ts)
        return parent

    def check_user(self, user_id: str) -> None:
        if not USER_ID.fullmatch(user_id):
            raise SlackError("user_not_found")

    def user_object(self, user_id: str) -> Body | None:
        """Known users get their profile; other well-formed ids get a synthesized one."""
        return users.user_object(user_id, self._profiles.get(user_id, {}))

    def open_dm(self, users: list[str]) -> tuple[Channel, bool]:
        """The DM (one other user) or group DM with ``users``, and whether it existed."""
        for user in users:
            self.check_user(user)
            membership.check_dm_allowed(self.profile(user))
        others = sorted(set(users) - {BOT_USER_ID})
        if not others:
            raise SlackError("cannot_dm_bot")
        if len(others) == 1:
            existing = self.ims.get(others[0])
            if existing is not None:
                return existing, True
            channel = Channel(
                id=self.new_id("D"),
                name=others[0],
                is_im=True,
                is_private=True,
                user=others[0],
                members={others[0], BOT_USER_ID},
                created=int(time.time()),
                creator=BOT_USER_ID,
            )
            self.ims[others[0]] = channel
        else:
            key = frozenset(others)
            if key in self.mpims:
                return self.mpims[key], True
            channel = Channel(
                id=self.new_id("G"),
                name="mpdm-" + "--".join(others) + "-1",
                is_mpim=True,
                is_private=True,
                members={*others, BOT_USER_ID},
                created=int(time.time()),
                creator=BOT_USER_ID,
            )
            self.mpims[key] = channel
        self.channels[channel.id] = channel
        return channel, False

    # -- shared message plumbing -----------------------------------------

    def content(self, args: Args, *, require: bool) -> tuple[str, Any, Any]:
        """Validate text/blocks/attachments the way chat.postMessage/update do."""
        text = arg.string(args, "text") or ""
        blocks = arg.json_field(args, "blocks", "invalid_blocks_format")
        attachments = arg.json_field(args, "attachments", "invalid_attachments")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if require and not text and not blocks and not attachments:
            raise SlackError("no_text")
        if len(text) > block_kit.MAX_MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        if blocks:
            errors = block_kit.validate_message_blocks(blocks)
            if errors:
                raise SlackError("invalid_blocks", errors)
        if attachments is not None:
            errors = block_kit.validate_attachments(attachments)
            if errors:
                raise SlackError("invalid_attachments", errors)
        return text, blocks, attachments

    def metadata(self, args: Args) -> dict[str, Any] | None:
        metadata = arg.json_field(args, "metadata", "invalid_metadata_format")
        if metadata is None:
            return None
        if not isinstance(metadata, dict):
            raise SlackError("invalid_metadata_format")
        if not isinstance(metadata.get("event_type"), str) or not isinstance(
            metadata.get("event_payload"), dict
        ):
            raise SlackError("invalid_metadata_schema")
        return metadata

    def store_message(self, channel: Channel, message: Message, parent: Message | None) -> Message:
        message.channel = channel.id
        if parent is not None:
            message.thread_ts = parent.ts
            parent.thread_ts = parent.ts
            parent.replies.append(message)
        if parent is None or message.subtype == "thread_broadcast":
            channel.messages.append(message)
        channel.index[message.ts] = message
        return message

    def writable(self, channel: Channel) -> None:
        if channel.is_archived:
            raise SlackError("is_archived")
