"""chat.*: posting, updating and linking messages, and ephemeral messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.sandbox import slack_args as arg
from app.sandbox.slack_model import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    Args,
    Body,
    Ephemeral,
    Handler,
    Message,
    SlackError,
)

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace


def post_message(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args, dm_users=True)
    ws.writable(channel)
    text, blocks, attachments = ws.content(args, require=True)
    metadata = ws.metadata(args)
    thread_ts = arg.string(args, "thread_ts")
    parent = ws.thread_parent(channel, thread_ts) if thread_ts else None
    message = Message(
        ts=ws.next_ts(),
        user=BOT_USER_ID,
        text=text,
        blocks=blocks,
        metadata=metadata,
        attachments=attachments,
        bot_id=BOT_ID,
        subtype="thread_broadcast" if parent and arg.flag(args, "reply_broadcast") else None,
    )
    ws.store_message(channel, message, parent)
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": message.to_api(include_metadata=True),
    }


def update(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    message = ws.message_at(channel, arg.string(args, "ts"))
    if message.user != BOT_USER_ID:
        raise SlackError("cant_update_message")
    text, blocks, attachments = ws.content(args, require=False)
    if "text" in args:
        message.text = text
    if "blocks" in args:
        message.blocks = blocks or None
    if "attachments" in args:
        message.attachments = attachments
    if "metadata" in args:
        message.metadata = ws.metadata(args)
    if not message.text and not message.blocks and not message.attachments:
        raise SlackError("no_text")
    message.edits += 1
    message.edited_ts = ws.next_ts()
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_api(include_metadata=True),
    }


def post_ephemeral(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args, dm_users=True)
    user = arg.string(args, "user") or ""
    ws.check_user(user)
    text, blocks, attachments = ws.content(args, require=True)
    ephemeral = Ephemeral(
        channel=channel.id,
        user=user,
        ts=ws.next_ts(),
        text=text,
        blocks=blocks,
        thread_ts=arg.string(args, "thread_ts"),
        attachments=attachments,
    )
    ws.ephemerals.append(ephemeral)
    return {"ok": True, "message_ts": ephemeral.ts}


def get_permalink(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    message = ws.message_at(channel, arg.string(args, "message_ts"))
    archive = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}"
    link = f"{archive}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
