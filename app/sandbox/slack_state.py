"""In-memory model of one Slack workspace, as seen by the Beacon bot.

This module knows nothing about HTTP: each Web API method is a plain method
(``api_chat_postMessage`` for ``chat.postMessage``) that takes the parsed
arguments and returns the response body or raises :class:`SlackError`. Keeping
it HTTP-free makes the state easy to assert on and cheap to run under load.

Not thread-safe on its own: :class:`app.sandbox.slack_api.FakeSlack` serialises
access with a lock shared by the server thread and test code.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.sandbox import block_kit, membership

BOT_USER_ID = "UBEACONBOT"
BOT_ID = "BBEACON"
BOT_NAME = "beacon"
TEAM_ID = "T0BEACON"
TEAM_NAME = "Beacon Test"
TEAM_DOMAIN = "beacon-test"
APP_ID = "A0BEACON"

MAX_TOPIC = 250
MAX_CHANNEL_NAME = 80
_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
_ONLY_PUNCTUATION = re.compile(r"[_-]+")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

#: users.info fields that make a user a guest, deactivated or a bot (docs.slack.dev user type).
_KIND_FLAGS = ("deleted", "is_bot", "is_restricted", "is_ultra_restricted")

Args = dict[str, Any]
Body = dict[str, Any]


class SlackError(Exception):
    """A Slack ``{"ok": false, "error": ...}`` answer (HTTP 200)."""

    def __init__(self, error: str, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages
        self.extra = extra

    def body(self) -> Body:
        body: Body = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


def invalid_arguments(*messages: str) -> SlackError:
    return SlackError("invalid_arguments", [f"[ERROR] {m}" for m in messages])


# -- model ------------------------------------------------------------------


@dataclass(eq=False)
class Message:
    """A message as stored by the fake; ``replies`` holds its thread (oldest first)."""

    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    replies: list[Message] = field(default_factory=list)
    channel: str = ""
    attachments: list[dict[str, Any]] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    bot_id: str | None = None
    subtype: str | None = None
    edits: int = 0
    edited_ts: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, include_metadata: bool = False) -> Body:
        """Shape used by chat.postMessage's ``message`` and conversations.history."""
        out: Body = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.subtype:
            out["subtype"] = self.subtype
        if self.bot_id:
            out["bot_id"] = self.bot_id
            out["app_id"] = APP_ID
        out["team"] = TEAM_ID
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.attachments is not None:
            out["attachments"] = self.attachments
        if self.files:
            out["files"] = self.files
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.replies:
            out["reply_count"] = len(self.replies)
            out["reply_users"] = sorted({r.user for r in self.replies})
            out["reply_users_count"] = len(out["reply_users"])
            out["latest_reply"] = self.replies[-1].ts
        if self.reactions:
            out["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.edited_ts:
            out["edited"] = {"user": self.user, "ts": self.edited_ts}
        if include_metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        return out


@dataclass(eq=False)
class Channel:
    """A conversation: public/private channel, DM (``is_im``) or group DM (``is_mpim``)."""

    id: str
    name: str
    is_private: bool = False
    topic: str = ""
    purpose: str = ""
    members: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    pins: set[str] = field(default_factory=set)
    created: int = 0
    creator: str = ""
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    user: str | None = None
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    topic_set: tuple[str, int] = ("", 0)
    purpose_set: tuple[str, int] = ("", 0)
    index: dict[str, Message] = field(default_factory=dict, repr=False)

    @property
    def is_member(self) -> bool:
        return BOT_USER_ID in self.members

    def find(self, ts: str | None) -> Message | None:
        """Top-level message or thread reply by ts."""
        return self.index.get(ts) if ts else None

    def to_api(self, *, include_num_members: bool = False) -> Body:
        now = int(time.time())
        if self.is_im:
            out: Body = {
                "id": self.id,
                "created": self.created,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": TEAM_ID,
                "updated": now * 1000,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
            return out
        out = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": TEAM_ID,
            "updated": now * 1000,
            "creator": self.creator,
            "is_member": self.is_member,
            "topic": {
                "value": self.topic,
                "creator": self.topic_set[0],
                "last_set": self.topic_set[1],
            },
            "purpose": {
                "value": self.purpose,
                "creator": self.purpose_set[0],
                "last_set": self.purpose_set[1],
            },
            "previous_names": [],
            "shared_team_ids": [TEAM_ID],
        }
        if include_num_members:
            out["num_members"] = len(self.members)
        return out


@dataclass(eq=False)
class Ephemeral:
    """A chat.postEphemeral message: only ``user`` saw it, it is not in history."""

    channel: str
    user: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    attachments: list[dict[str, Any]] | None = None


@dataclass(eq=False)
class UploadedFile:
    """A file created by files.getUploadURLExternal; ``content`` set once bytes arrive."""

    id: str
    filename: str
    length: int
    title: str = ""
    content: bytes | None = None
    channels: list[str] = field(default_factory=list)
    completed: bool = False
    created: int = 0

    def to_api(self) -> Body:
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": "application/octet-stream",
            "filetype": self.filename.rsplit(".", 1)[-1] if "." in self.filename else "binary",
            "user": BOT_USER_ID,
            "size": len(self.content) if self.content is not None else self.length,
            "channels": list(self.channels),
            "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{self.id}/{self.filename}",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{self.id}/{self.filename}",
        }


@dataclass(eq=False)
class Usergroup:
    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)

    def to_api(self, *, include_users: bool) -> Body:
        out: Body = {
            "id": self.id,
            "team_id": TEAM_ID,
            "is_usergroup": True,
            "name": self.name,
            "description": "",
            "handle": self.handle,
            "is_external": False,
            "date_delete": 0,
            "user_count": len(self.users),
        }
        if include_users:
            out["users"] = list(self.users)
        return out


# -- argument helpers -------------------------------------------------------


def _str(args: Args, key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    raise invalid_arguments(f"must be a string [json-pointer:/{key}]")


def _flag(args: Args, key: str) -> bool:
    value = args.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _int(args: Args, key: str, default: int, *, maximum: int | None = None) -> int:
    value = args.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise SlackError(f"invalid_{key}") from exc
    if number <= 0:
        number = default
    return min(number, maximum) if maximum else number


def _csv(args: Args, key: str) -> list[str]:
    value = args.get(key)
    if value is None:
        return []
    parts = [str(v) for v in value] if isinstance(value, list) else str(value).split(",")
    return [p.strip() for p in parts if p.strip()]


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"next:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "next":
            raise ValueError(cursor)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise SlackError("invalid_cursor") from exc


def _page(items: list[Any], args: Args, *, default_limit: int) -> tuple[list[Any], str]:
    """Cursor pagination: the slice for this call and the next cursor ('' at the end)."""
    limit = _int(args, "limit", default_limit, maximum=1000)
    start = _decode_cursor(_str(args, "cursor"))
    chunk = items[start : start + limit]
    end = start + limit
    return chunk, (_encode_cursor(end) if end < len(items) else "")


def _ts_value(ts: str | None, default: float) -> float:
    if not ts:
        return default
    try:
        return float(ts)
    except ValueError as exc:
        raise SlackError("invalid_ts_latest") from exc


def _json_field(args: Args, key: str, error: str) -> Any:
    """A field that must be JSON; the HTTP layer already decoded valid JSON strings."""
    value = args.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise SlackError(error) from exc
    return value


# -- the workspace ----------------------------------------------------------


class Workspace:
    """All state plus one ``api_<method>`` handler per modelled Web API method."""

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
        self._by_name: dict[str, str] = {}
        self._mpims: dict[frozenset[str], Channel] = {}
        self._profiles: dict[str, Body] = {}
        self._external_views: dict[str, str] = {}
        self._seq = itertools.count(1)
        self._last_ts = 0
        self._handlers: dict[str, Callable[[Args], Body]] = {
            name[4:].replace("_", "."): getattr(self, name)
            for name in dir(self)
            if name.startswith("api_")
        }
        for email, user_id in (users or {}).items():
            self.add_user(email, user_id)
        for name in channels:
            self.add_channel(name.lstrip("#"))

    # -- dispatch ---------------------------------------------------------

    def handles(self, method: str) -> bool:
        return method in self._handlers

    def call(self, method: str, args: Args) -> Body:
        """Run one method; unmodelled (but spec-valid) methods just answer ok."""
        handler = self._handlers.get(method)
        if handler is None:
            return {"ok": True, "warning": "method_not_modelled_by_fake"}
        try:
            return handler(args)
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

    def _new_hash(self) -> str:
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
        if name in self._by_name:
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
        self._by_name[name] = channel.id
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
        parent = self._thread_parent(target, thread_ts) if thread_ts else None
        return self._store_message(
            target, Message(ts=self.next_ts(), user=user, text=text, blocks=blocks), parent
        )

    # -- lookups ----------------------------------------------------------

    def lookup(self, ref: str) -> Channel | None:
        """Channel by id, name, ``#name`` or (existing DM) user id; never creates."""
        if ref in self.channels:
            return self.channels[ref]
        cid = self._by_name.get(ref[1:] if ref.startswith("#") else ref)
        if cid is not None:
            return self.channels[cid]
        return self.ims.get(ref)

    def _channel(self, args: Args, key: str = "channel", *, dm_users: bool = False) -> Channel:
        ref = _str(args, key)
        channel = self.lookup(ref) if ref else None
        if channel is None and dm_users and ref and USER_ID.fullmatch(ref):
            channel = self._open_dm([ref])[0]
        if channel is None or (channel.is_private and not channel.is_member):
            raise SlackError("channel_not_found")
        return channel

    def _message(self, channel: Channel, ts: str | None) -> Message:
        message = channel.find(ts)
        if message is None:
            raise SlackError("message_not_found")
        return message

    def _thread_parent(self, channel: Channel, thread_ts: str) -> Message:
        parent = channel.find(thread_ts)
        if parent is None:
            raise SlackError("thread_not_found")
        if parent.is_reply:
            parent = self._message(channel, parent.thread_ts)
        return parent

    def _check_user(self, user_id: str) -> None:
        if not USER_ID.fullmatch(user_id):
            raise SlackError("user_not_found")

    def user_object(self, user_id: str) -> Body | None:
        """Known users get their profile; other well-formed ids get a synthesized one."""
        if user_id == BOT_USER_ID:
            return self._user_body(
                user_id, BOT_NAME, {"real_name": "Beacon", "bot_id": BOT_ID}, is_bot=True
            )
        if not USER_ID.fullmatch(user_id):
            return None
        profile = dict(self._profiles.get(user_id, {}))
        flags = {key: bool(profile.pop(key, False)) for key in _KIND_FLAGS}
        email = profile.get("email")
        name = str(profile.pop("name", email.split("@")[0] if email else user_id.lower()))
        body = self._user_body(user_id, name, profile, is_bot=flags.pop("is_bot"))
        return {**body, **flags}

    def _user_body(self, user_id: str, name: str, extra: Body, *, is_bot: bool) -> Body:
        real_name = str(extra.get("real_name") or name.replace(".", " ").title())
        tz = str(extra.get("tz", "Etc/UTC"))
        profile: Body = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": str(extra.get("display_name", name)),
            "display_name_normalized": str(extra.get("display_name", name)),
            "team": TEAM_ID,
            "image_48": f"https://avatars.example.invalid/{user_id}_48.png",
            "status_text": "",
            "status_emoji": "",
            **{k: v for k, v in extra.items() if k not in ("tz", "tz_offset")},
        }
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "tz_label": str(extra.get("tz_label", "Coordinated Universal Time")),
            "tz_offset": int(extra.get("tz_offset", 0)),
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
        }

    # -- shared message plumbing -----------------------------------------

    def _content(self, args: Args, *, require: bool) -> tuple[str, Any, Any]:
        """Validate text/blocks/attachments the way chat.postMessage/update do."""
        text = _str(args, "text") or ""
        blocks = _json_field(args, "blocks", "invalid_blocks_format")
        attachments = _json_field(args, "attachments", "invalid_attachments")
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

    def _metadata(self, args: Args) -> dict[str, Any] | None:
        metadata = _json_field(args, "metadata", "invalid_metadata_format")
        if metadata is None:
            return None
        if not isinstance(metadata, dict):
            raise SlackError("invalid_metadata_format")
        if not isinstance(metadata.get("event_type"), str) or not isinstance(
            metadata.get("event_payload"), dict
        ):
            raise SlackError("invalid_metadata_schema")
        return metadata

    def _store_message(self, channel: Channel, message: Message, parent: Message | None) -> Message:
        message.channel = channel.id
        if parent is not None:
            message.thread_ts = parent.ts
            parent.thread_ts = parent.ts
            parent.replies.append(message)
        if parent is None or message.subtype == "thread_broadcast":
            channel.messages.append(message)
        channel.index[message.ts] = message
        return message

    def _writable(self, channel: Channel) -> None:
        if channel.is_archived:
            raise SlackError("is_archived")

    # -- auth / apps ------------------------------------------------------

    def api_auth_test(self, args: Args) -> Body:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "is_enterprise_install": False,
        }

    def api_apps_connections_open(self, args: Args) -> Body:
        ws_root = "ws" + self.base_url.removeprefix("http")
        return {"ok": True, "url": f"{ws_root}socket"}

    # -- conversations ----------------------------------------------------

    def _check_name(self, name: str | None, *, current: Channel | None = None) -> str:
        if not name:
            raise SlackError("invalid_name_required")
        if len(name) > MAX_CHANNEL_NAME:
            raise SlackError("invalid_name_maxlength")
        if not _CHANNEL_NAME.fullmatch(name):
            raise SlackError("invalid_name_specials")
        if _ONLY_PUNCTUATION.fullmatch(name):
            raise SlackError("invalid_name_punctuation")
        existing = self._by_name.get(name)
        if existing is not None and (current is None or existing != current.id):
            raise SlackError("name_taken")
        return name

    def api_conversations_create(self, args: Args) -> Body:
        name = self._check_name(_str(args, "name"))
        channel = self.add_channel(
            name,
            is_private=_flag(args, "is_private"),
            bot_member=True,
            creator=BOT_USER_ID,
            readable_id=False,
        )
        return {"ok": True, "channel": channel.to_api()}

    def api_conversations_rename(self, args: Args) -> Body:
        channel = self._channel(args)
        name = self._check_name(_str(args, "name"), current=channel)
        del self._by_name[channel.name]
        channel.name = name
        self._by_name[name] = channel.id
        return {"ok": True, "channel": channel.to_api()}

    def api_conversations_archive(self, args: Args) -> Body:
        channel = self._channel(args)
        if channel.is_archived:
            raise SlackError("already_archived")
        channel.is_archived = True
        return {"ok": True}

    def api_conversations_unarchive(self, args: Args) -> Body:
        channel = self._channel(args)
        if not channel.is_archived:
            raise SlackError("not_archived")
        channel.is_archived = False
        return {"ok": True}

    def api_conversations_list(self, args: Args) -> Body:
        types = set(_csv(args, "types") or ["public_channel"])
        exclude_archived = _flag(args, "exclude_archived")
        visible = []
        for channel in self.channels.values():
            if exclude_archived and channel.is_archived:
                continue
            if channel.is_im:
                kind = "im"
            elif channel.is_mpim:
                kind = "mpim"
            elif channel.is_private:
                kind = "private_channel" if channel.is_member else ""
            else:
                kind = "public_channel"
            if kind in types:
                visible.append(channel)
        chunk, cursor = _page(visible, args, default_limit=100)
        return {
            "ok": True,
            "channels": [c.to_api() for c in chunk],
            "response_metadata": {"next_cursor": cursor},
        }

    def api_conversations_info(self, args: Args) -> Body:
        channel = self._channel(args)
        return {
            "ok": True,
            "channel": channel.to_api(include_num_members=_flag(args, "include_num_members")),
        }

    def _set_text(self, args: Args, key: str) -> Body:
        channel = self._channel(args)
        self._writable(channel)
        if not channel.is_member:
            raise SlackError("not_in_channel")
        value = _str(args, key) or ""
        if len(value) > MAX_TOPIC:
            raise SlackError("too_long")
        stamp = (BOT_USER_ID, int(time.time()))
        if key == "topic":
            channel.topic, channel.topic_set = value, stamp
        else:
            channel.purpose, channel.purpose_set = value, stamp
        return {"ok": True, "channel": channel.to_api()}

    def api_conversations_setTopic(self, args: Args) -> Body:
        return self._set_text(args, "topic")

    def api_conversations_setPurpose(self, args: Args) -> Body:
        return self._set_text(args, "purpose")

    def api_conversations_invite(self, args: Args) -> Body:
        channel = self._channel(args)
        users = _csv(args, "users")
        if not users:
            raise SlackError("no_user")
        if channel.is_im or channel.is_mpim:
            raise SlackError("method_not_supported_for_channel_type")
        self._writable(channel)
        if not channel.is_member:
            raise SlackError("not_in_channel")
        return membership.invite(self, channel, users, force=_flag(args, "force"))

    def api_conversations_kick(self, args: Args) -> Body:
        channel = self._channel(args)
        user = _str(args, "user") or ""
        if user not in channel.members:
            raise SlackError("not_in_channel")
        channel.members.discard(user)
        return {"ok": True}

    def api_conversations_join(self, args: Args) -> Body:
        channel = self._channel(args)
        if channel.is_private or channel.is_im or channel.is_mpim:
            raise SlackError("method_not_supported_for_channel_type")
        self._writable(channel)
        body: Body = {"ok": True, "channel": channel.to_api()}
        if channel.is_member:
            body["warning"] = "already_in_channel"
            body["response_metadata"] = {"warnings": ["already_in_channel"]}
        channel.members.add(BOT_USER_ID)
        body["channel"]["is_member"] = True
        return body

    def api_conversations_leave(self, args: Args) -> Body:
        channel = self._channel(args)
        if not channel.is_member:
            raise SlackError("not_in_channel")
        channel.members.discard(BOT_USER_ID)
        return {"ok": True}

    def api_conversations_members(self, args: Args) -> Body:
        channel = self._channel(args)
        chunk, cursor = _page(sorted(channel.members), args, default_limit=100)
        return {"ok": True, "members": chunk, "response_metadata": {"next_cursor": cursor}}

    def _open_dm(self, users: list[str]) -> tuple[Channel, bool]:
        for user in users:
            self._check_user(user)
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
            if key in self._mpims:
                return self._mpims[key], True
            channel = Channel(
                id=self.new_id("G"),
                name="mpdm-" + "--".join(others) + "-1",
                is_mpim=True,
                is_private=True,
                members={*others, BOT_USER_ID},
                created=int(time.time()),
                creator=BOT_USER_ID,
            )
            self._mpims[key] = channel
        self.channels[channel.id] = channel
        return channel, False

    def api_conversations_open(self, args: Args) -> Body:
        users = _csv(args, "users")
        if users:
            channel, existed = self._open_dm(users)
        elif args.get("channel") is not None:
            channel, existed = self._channel(args), True
        else:
            raise SlackError("users_list_not_supplied")
        body: Body = {
            "ok": True,
            "channel": channel.to_api() if _flag(args, "return_im") else {"id": channel.id},
        }
        if existed:
            body["no_op"] = True
            body["already_open"] = True
        return body

    def api_conversations_history(self, args: Args) -> Body:
        channel = self._channel(args)
        membership.check_readable(channel)
        oldest = _ts_value(_str(args, "oldest"), 0.0)
        latest = _ts_value(_str(args, "latest"), float("inf"))
        inclusive = _flag(args, "inclusive")
        meta = _flag(args, "include_all_metadata")
        selected = [
            m
            for m in reversed(channel.messages)
            if (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
        ]
        chunk, cursor = _page(selected, args, default_limit=100)
        return {
            "ok": True,
            "messages": [m.to_api(include_metadata=meta) for m in chunk],
            "has_more": bool(cursor),
            "pin_count": len(channel.pins),
            "response_metadata": {"next_cursor": cursor},
        }

    def api_conversations_replies(self, args: Args) -> Body:
        channel = self._channel(args)
        membership.check_readable(channel)
        ts = _str(args, "ts")
        if not ts:
            raise invalid_arguments("missing required field: ts")
        found = channel.find(ts)
        if found is None:
            raise SlackError("thread_not_found")
        parent = self._thread_parent(channel, found.ts)
        oldest = _ts_value(_str(args, "oldest"), 0.0)
        latest = _ts_value(_str(args, "latest"), float("inf"))
        meta = _flag(args, "include_all_metadata")
        thread = [parent] + [r for r in parent.replies if oldest <= float(r.ts) <= latest]
        chunk, cursor = _page(thread, args, default_limit=1000)
        return {
            "ok": True,
            "messages": [m.to_api(include_metadata=meta) for m in chunk],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    # -- chat -------------------------------------------------------------

    def api_chat_postMessage(self, args: Args) -> Body:
        channel = self._channel(args, dm_users=True)
        self._writable(channel)
        text, blocks, attachments = self._content(args, require=True)
        metadata = self._metadata(args)
        thread_ts = _str(args, "thread_ts")
        parent = self._thread_parent(channel, thread_ts) if thread_ts else None
        message = Message(
            ts=self.next_ts(),
            user=BOT_USER_ID,
            text=text,
            blocks=blocks,
            metadata=metadata,
            attachments=attachments,
            bot_id=BOT_ID,
            subtype="thread_broadcast" if parent and _flag(args, "reply_broadcast") else None,
        )
        self._store_message(channel, message, parent)
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message.ts,
            "message": message.to_api(include_metadata=True),
        }

    def api_chat_update(self, args: Args) -> Body:
        channel = self._channel(args)
        message = self._message(channel, _str(args, "ts"))
        if message.user != BOT_USER_ID:
            raise SlackError("cant_update_message")
        text, blocks, attachments = self._content(args, require=False)
        if "text" in args:
            message.text = text
        if "blocks" in args:
            message.blocks = blocks or None
        if "attachments" in args:
            message.attachments = attachments
        if "metadata" in args:
            message.metadata = self._metadata(args)
        if not message.text and not message.blocks and not message.attachments:
            raise SlackError("no_text")
        message.edits += 1
        message.edited_ts = self.next_ts()
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(include_metadata=True),
        }

    def api_chat_delete(self, args: Args) -> Body:
        channel = self._channel(args)
        message = self._message(channel, _str(args, "ts"))
        if message.user != BOT_USER_ID:
            raise SlackError("cant_delete_message")
        del channel.index[message.ts]
        if message in channel.messages:
            channel.messages.remove(message)
        if message.is_reply:
            parent = channel.find(message.thread_ts)
            if parent is not None:
                parent.replies.remove(message)
        channel.pins.discard(message.ts)
        return {"ok": True, "channel": channel.id, "ts": message.ts}

    def api_chat_postEphemeral(self, args: Args) -> Body:
        channel = self._channel(args, dm_users=True)
        user = _str(args, "user") or ""
        self._check_user(user)
        text, blocks, attachments = self._content(args, require=True)
        ephemeral = Ephemeral(
            channel=channel.id,
            user=user,
            ts=self.next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=_str(args, "thread_ts"),
            attachments=attachments,
        )
        self.ephemerals.append(ephemeral)
        return {"ok": True, "message_ts": ephemeral.ts}

    def api_chat_getPermalink(self, args: Args) -> Body:
        channel = self._channel(args)
        message = self._message(channel, _str(args, "message_ts"))
        archive = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}"
        link = f"{archive}/p{message.ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return {"ok": True, "channel": channel.id, "permalink": link}

    # -- pins / reactions -------------------------------------------------

    def _pin_target(self, args: Args) -> tuple[Channel, Message]:
        channel = self._channel(args)
        ts = _str(args, "timestamp")
        if not ts:
            raise SlackError("no_item_specified")
        return channel, self._message(channel, ts)

    def api_pins_add(self, args: Args) -> Body:
        channel, message = self._pin_target(args)
        if message.ts in channel.pins:
            raise SlackError("already_pinned")
        channel.pins.add(message.ts)
        return {"ok": True}

    def api_pins_remove(self, args: Args) -> Body:
        channel, message = self._pin_target(args)
        if message.ts not in channel.pins:
            raise SlackError("no_pin")
        channel.pins.discard(message.ts)
        return {"ok": True}

    def api_pins_list(self, args: Args) -> Body:
        channel = self._channel(args)
        items = [
            {"type": "message", "channel": channel.id, "message": m.to_api(), "created_by": ""}
            for ts in sorted(channel.pins)
            if (m := channel.find(ts)) is not None
        ]
        return {"ok": True, "items": items}

    def api_reactions_add(self, args: Args) -> Body:
        channel = self._channel(args)
        message = self._message(channel, _str(args, "timestamp"))
        name = (_str(args, "name") or "").strip(":")
        if not name:
            raise SlackError("invalid_name")
        users = message.reactions.setdefault(name, [])
        if BOT_USER_ID in users:
            raise SlackError("already_reacted")
        users.append(BOT_USER_ID)
        return {"ok": True}

    def api_reactions_remove(self, args: Args) -> Body:
        channel = self._channel(args)
        message = self._message(channel, _str(args, "timestamp"))
        name = (_str(args, "name") or "").strip(":")
        users = message.reactions.get(name, [])
        if BOT_USER_ID not in users:
            raise SlackError("no_reaction")
        users.remove(BOT_USER_ID)
        if not users:
            del message.reactions[name]
        return {"ok": True}

    # -- users ------------------------------------------------------------

    def api_users_lookupByEmail(self, args: Args) -> Body:
        user_id = self.users.get(_str(args, "email") or "")
        # "If the user has been deactivated, users_not_found will be returned instead of a user
        # object" (api.slack.com/methods/users.lookupByEmail).
        if user_id is None or self.profile(user_id).get("deleted"):
            raise SlackError("users_not_found")
        return {"ok": True, "user": self.user_object(user_id)}

    def api_users_info(self, args: Args) -> Body:
        user = self.user_object(_str(args, "user") or "")
        if user is None:
            raise SlackError("user_not_found")
        return {"ok": True, "user": user}

    def api_usergroups_list(self, args: Args) -> Body:
        include_users = _flag(args, "include_users")
        return {
            "ok": True,
            "usergroups": [g.to_api(include_users=include_users) for g in self.usergroups.values()],
        }

    def api_usergroups_users_list(self, args: Args) -> Body:
        group = self.usergroups.get(_str(args, "usergroup") or "")
        if group is None:
            raise SlackError("no_such_subteam")
        return {"ok": True, "users": list(group.users)}

    # -- views ------------------------------------------------------------

    def _view_arg(self, args: Args, allowed: set[str]) -> dict[str, Any]:
        view = _json_field(args, "view", "invalid_arguments")
        if view is None:
            raise invalid_arguments("missing required field: view")
        errors = block_kit.validate_view(view, allowed_types=allowed)
        if errors:
            raise SlackError("invalid_arguments", errors)
        if len(json.dumps(view)) > block_kit.MAX_VIEW_BYTES:
            raise SlackError("view_too_large")
        return view  # type: ignore[no-any-return]

    def _check_trigger(self, args: Args) -> str:
        trigger = _str(args, "trigger_id") or ""
        if not trigger:
            raise SlackError("invalid_trigger_id")
        if trigger in self.used_triggers:
            raise SlackError("exchanged_trigger_id")
        # Slack only honours trigger ids it issued, once, within 3 s ("expire in three
        # seconds", "may only be used once": api.slack.com/docs/triggers).
        issued = self.issued_triggers.get(trigger)
        if issued is None:
            raise SlackError("invalid_trigger_id")
        ttl = self.trigger_ttl
        if ttl is not None and time.monotonic() - issued > ttl:
            raise SlackError("expired_trigger_id")
        return trigger

    def _save_view(
        self, view: dict[str, Any], *, view_id: str | None = None, previous: str | None = None
    ) -> Body:
        old = self.views.get(view_id) if view_id else None
        vid = view_id or self.new_id("V")
        external_id = view.get("external_id") or ""
        if external_id:
            owner = self._external_views.get(external_id)
            if owner is not None and owner != vid:
                raise SlackError("duplicate_external_id")
        stored: Body = {
            "id": vid,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "submit_disabled": bool(view.get("submit_disabled", False)),
            "root_view_id": old["root_view_id"] if old else vid,
            "previous_view_id": old["previous_view_id"] if old else previous,
            "app_id": APP_ID,
            "external_id": external_id,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        for key in ("title", "submit", "close"):
            stored[key] = view.get(key)
        if old and old.get("external_id") and old["external_id"] != external_id:
            self._external_views.pop(old["external_id"], None)
        if external_id:
            self._external_views[external_id] = vid
        self.views[vid] = stored
        return stored

    def api_views_open(self, args: Args) -> Body:
        trigger = self._check_trigger(args)
        view = self._view_arg(args, {"modal"})
        stored = self._save_view(view)
        self.used_triggers.add(trigger)
        self.view_triggers[trigger] = stored["id"]
        return {"ok": True, "view": stored}

    def api_views_push(self, args: Args) -> Body:
        trigger = self._check_trigger(args)
        view = self._view_arg(args, {"modal"})
        stored = self._save_view(view)
        self.used_triggers.add(trigger)
        self.view_triggers[trigger] = stored["id"]
        return {"ok": True, "view": stored}

    def api_views_update(self, args: Args) -> Body:
        view_id = _str(args, "view_id")
        external_id = _str(args, "external_id")
        if not view_id and not external_id:
            raise invalid_arguments("missing required field: view_id or external_id")
        if not view_id:
            view_id = self._external_views.get(external_id or "")
        current = self.views.get(view_id or "")
        if current is None:
            raise SlackError("not_found")
        expected_hash = _str(args, "hash")
        if expected_hash and expected_hash != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._view_arg(args, {current["type"]})
        return {"ok": True, "view": self._save_view(view, view_id=current["id"])}

    def api_views_publish(self, args: Args) -> Body:
        user_id = _str(args, "user_id") or ""
        self._check_user(user_id)
        view = self._view_arg(args, {"home"})
        current = self.home_views.get(user_id)
        expected_hash = _str(args, "hash")
        if current and expected_hash and expected_hash != current["hash"]:
            raise SlackError("hash_conflict")
        stored = self._save_view(view, view_id=current["id"] if current else None)
        self.home_views[user_id] = stored
        return {"ok": True, "view": stored}

    # -- bookmarks --------------------------------------------------------

    def api_bookmarks_add(self, args: Args) -> Body:
        channel = self._channel(args, "channel_id")
        kind = _str(args, "type") or ""
        if kind != "link":
            raise SlackError("invalid_bookmark_type")
        link = _str(args, "link")
        if not link:
            raise invalid_arguments("missing required field: link")
        now = int(time.time())
        bookmark: Body = {
            "id": self.new_id("Bk"),
            "channel_id": channel.id,
            "title": _str(args, "title") or "",
            "link": link,
            "emoji": _str(args, "emoji") or "",
            "icon_url": None,
            "type": kind,
            "entity_id": _str(args, "entity_id"),
            "date_created": now,
            "date_updated": 0,
            "rank": f"{len(channel.bookmarks):04d}",
            "last_updated_by_user_id": BOT_USER_ID,
            "last_updated_by_team_id": TEAM_ID,
            "shortcut_id": None,
            "app_id": APP_ID,
        }
        channel.bookmarks.append(bookmark)
        return {"ok": True, "bookmark": bookmark}

    def api_bookmarks_edit(self, args: Args) -> Body:
        channel = self._channel(args, "channel_id")
        bookmark_id = _str(args, "bookmark_id")
        for bookmark in channel.bookmarks:
            if bookmark["id"] == bookmark_id:
                for key in ("title", "link", "emoji"):
                    if args.get(key) is not None:
                        bookmark[key] = _str(args, key)
                bookmark["date_updated"] = int(time.time())
                return {"ok": True, "bookmark": bookmark}
        raise SlackError("not_found")

    def api_bookmarks_list(self, args: Args) -> Body:
        channel = self._channel(args, "channel_id")
        return {"ok": True, "bookmarks": list(channel.bookmarks)}

    # -- files ------------------------------------------------------------

    def api_files_getUploadURLExternal(self, args: Args) -> Body:
        filename = _str(args, "filename") or ""
        if not filename:
            raise invalid_arguments("must be more than 0 characters [json-pointer:/filename]")
        try:
            length = int(args["length"])
        except (TypeError, ValueError) as exc:
            raise invalid_arguments("must be an integer [json-pointer:/length]") from exc
        upload = UploadedFile(
            id=self.new_id("F"),
            filename=filename,
            length=length,
            title=filename,
            created=int(time.time()),
        )
        self.files[upload.id] = upload
        upload_url = f"{self.base_url}upload/v1/{upload.id}"
        return {"ok": True, "upload_url": upload_url, "file_id": upload.id}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """Bytes POSTed to an upload_url; False when the id is unknown."""
        upload = self.files.get(file_id)
        if upload is None:
            return False
        upload.content = content
        return True

    def api_files_completeUploadExternal(self, args: Args) -> Body:
        entries = _json_field(args, "files", "invalid_arguments")
        if not isinstance(entries, list) or not entries:
            raise invalid_arguments("must provide at least 1 items [json-pointer:/files]")
        uploads: list[UploadedFile] = []
        for entry in entries:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            upload = self.files.get(file_id or "")
            if upload is None or upload.content is None:
                raise SlackError("file_not_found")
            if entry.get("title"):
                upload.title = str(entry["title"])
            uploads.append(upload)
        channel: Channel | None = None
        if args.get("channel_id") is not None:
            channel = self._channel(args, "channel_id")
        elif _csv(args, "channels"):
            channel = self._channel({"channel": _csv(args, "channels")[0]})
        if channel is not None:
            self._writable(channel)
            thread_ts = _str(args, "thread_ts")
            parent = self._thread_parent(channel, thread_ts) if thread_ts else None
            for upload in uploads:
                upload.channels.append(channel.id)
            message = Message(
                ts=self.next_ts(),
                user=BOT_USER_ID,
                text=_str(args, "initial_comment") or "",
                files=[u.to_api() for u in uploads],
                bot_id=BOT_ID,
            )
            self._store_message(channel, message, parent)
        for upload in uploads:
            upload.completed = True
        return {"ok": True, "files": [u.to_api() for u in uploads]}
