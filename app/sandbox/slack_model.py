"""The nouns of the fake Slack workspace: messages, conversations, files, user groups, and
the ``{"ok": false}`` error every method raises.

Kept apart from :mod:`app.sandbox.slack_state` (the workspace that holds them) and
:mod:`app.sandbox.methods` (the Web API methods that change them) so both can import these
without importing each other.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace

BOT_USER_ID = "UBEACONBOT"
BOT_ID = "BBEACON"
BOT_NAME = "beacon"
TEAM_ID = "T0BEACON"
TEAM_NAME = "Beacon Test"
TEAM_DOMAIN = "beacon-test"
APP_ID = "A0BEACON"

USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

Args = dict[str, Any]
Body = dict[str, Any]
#: One Web API method: the workspace and the parsed arguments in, the response body out.
Handler = Callable[["Workspace", Args], Body]


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
