"""conversations.*: creating, finding, joining and reading channels, DMs and group DMs."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from app.sandbox import membership
from app.sandbox import slack_args as arg
from app.sandbox.slack_model import (
    BOT_USER_ID,
    Args,
    Body,
    Channel,
    Handler,
    SlackError,
    invalid_arguments,
)

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace

MAX_TOPIC = 250
MAX_CHANNEL_NAME = 80
_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
_ONLY_PUNCTUATION = re.compile(r"[_-]+")


def _check_name(ws: Workspace, name: str | None, *, current: Channel | None = None) -> str:
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _CHANNEL_NAME.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if _ONLY_PUNCTUATION.fullmatch(name):
        raise SlackError("invalid_name_punctuation")
    existing = ws.by_name.get(name)
    if existing is not None and (current is None or existing != current.id):
        raise SlackError("name_taken")
    return name


def create(ws: Workspace, args: Args) -> Body:
    name = _check_name(ws, arg.string(args, "name"))
    channel = ws.add_channel(
        name,
        is_private=arg.flag(args, "is_private"),
        bot_member=True,
        creator=BOT_USER_ID,
        readable_id=False,
    )
    return {"ok": True, "channel": channel.to_api()}


def list_(ws: Workspace, args: Args) -> Body:
    types = set(arg.csv(args, "types") or ["public_channel"])
    exclude_archived = arg.flag(args, "exclude_archived")
    visible = []
    for channel in ws.channels.values():
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
    chunk, cursor = arg.page(visible, args, default_limit=100)
    return {
        "ok": True,
        "channels": [c.to_api() for c in chunk],
        "response_metadata": {"next_cursor": cursor},
    }


def info(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    return {
        "ok": True,
        "channel": channel.to_api(include_num_members=arg.flag(args, "include_num_members")),
    }


def set_topic(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    ws.writable(channel)
    if not channel.is_member:
        raise SlackError("not_in_channel")
    value = arg.string(args, "topic") or ""
    if len(value) > MAX_TOPIC:
        raise SlackError("too_long")
    channel.topic, channel.topic_set = value, (BOT_USER_ID, int(time.time()))
    return {"ok": True, "channel": channel.to_api()}


def invite(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    users = arg.csv(args, "users")
    if not users:
        raise SlackError("no_user")
    if channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")
    ws.writable(channel)
    if not channel.is_member:
        raise SlackError("not_in_channel")
    return membership.invite(ws, channel, users, force=arg.flag(args, "force"))


def join(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    if channel.is_private or channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")
    ws.writable(channel)
    body: Body = {"ok": True, "channel": channel.to_api()}
    if channel.is_member:
        body["warning"] = "already_in_channel"
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
    channel.members.add(BOT_USER_ID)
    body["channel"]["is_member"] = True
    return body


def open_(ws: Workspace, args: Args) -> Body:
    users = arg.csv(args, "users")
    if users:
        channel, existed = ws.open_dm(users)
    elif args.get("channel") is not None:
        channel, existed = ws.channel_arg(args), True
    else:
        raise SlackError("users_list_not_supplied")
    body: Body = {
        "ok": True,
        "channel": channel.to_api() if arg.flag(args, "return_im") else {"id": channel.id},
    }
    if existed:
        body["no_op"] = True
        body["already_open"] = True
    return body


def history(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    membership.check_readable(channel)
    oldest = arg.ts_value(arg.string(args, "oldest"), 0.0)
    latest = arg.ts_value(arg.string(args, "latest"), float("inf"))
    inclusive = arg.flag(args, "inclusive")
    meta = arg.flag(args, "include_all_metadata")
    selected = [
        m
        for m in reversed(channel.messages)
        if (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
    ]
    chunk, cursor = arg.page(selected, args, default_limit=100)
    return {
        "ok": True,
        "messages": [m.to_api(include_metadata=meta) for m in chunk],
        "has_more": bool(cursor),
        "pin_count": len(channel.pins),
        "response_metadata": {"next_cursor": cursor},
    }


def replies(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    membership.check_readable(channel)
    ts = arg.string(args, "ts")
    if not ts:
        raise invalid_arguments("missing required field: ts")
    found = channel.find(ts)
    if found is None:
        raise SlackError("thread_not_found")
    parent = ws.thread_parent(channel, found.ts)
    oldest = arg.ts_value(arg.string(args, "oldest"), 0.0)
    latest = arg.ts_value(arg.string(args, "latest"), float("inf"))
    meta = arg.flag(args, "include_all_metadata")
    thread = [parent] + [r for r in parent.replies if oldest <= float(r.ts) <= latest]
    chunk, cursor = arg.page(thread, args, default_limit=1000)
    return {
        "ok": True,
        "messages": [m.to_api(include_metadata=meta) for m in chunk],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


HANDLERS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.list": list_,
    "conversations.info": info,
    "conversations.setTopic": set_topic,
    "conversations.invite": invite,
    "conversations.join": join,
    "conversations.open": open_,
    "conversations.history": history,
    "conversations.replies": replies,
}
