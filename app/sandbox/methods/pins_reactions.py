"""pins.add/remove and reactions.add: marking a message, as the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.sandbox import slack_args as arg
from app.sandbox.slack_model import BOT_USER_ID, Args, Body, Channel, Handler, Message, SlackError

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace


def _pin_target(ws: Workspace, args: Args) -> tuple[Channel, Message]:
    channel = ws.channel_arg(args)
    ts = arg.string(args, "timestamp")
    if not ts:
        raise SlackError("no_item_specified")
    return channel, ws.message_at(channel, ts)


def pin(ws: Workspace, args: Args) -> Body:
    channel, message = _pin_target(ws, args)
    if message.ts in channel.pins:
        raise SlackError("already_pinned")
    channel.pins.add(message.ts)
    return {"ok": True}


def unpin(ws: Workspace, args: Args) -> Body:
    channel, message = _pin_target(ws, args)
    if message.ts not in channel.pins:
        raise SlackError("no_pin")
    channel.pins.discard(message.ts)
    return {"ok": True}


def react(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args)
    message = ws.message_at(channel, arg.string(args, "timestamp"))
    name = (arg.string(args, "name") or "").strip(":")
    if not name:
        raise SlackError("invalid_name")
    users = message.reactions.setdefault(name, [])
    if BOT_USER_ID in users:
        raise SlackError("already_reacted")
    users.append(BOT_USER_ID)
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "pins.add": pin,
    "pins.remove": unpin,
    "reactions.add": react,
}
