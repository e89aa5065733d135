"""bookmarks.add: the links Beacon pins to a channel's header."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from app.sandbox import slack_args as arg
from app.sandbox.slack_model import (
    APP_ID,
    BOT_USER_ID,
    TEAM_ID,
    Args,
    Body,
    Handler,
    SlackError,
    invalid_arguments,
)

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace


def add(ws: Workspace, args: Args) -> Body:
    channel = ws.channel_arg(args, "channel_id")
    kind = arg.string(args, "type") or ""
    if kind != "link":
        raise SlackError("invalid_bookmark_type")
    link = arg.string(args, "link")
    if not link:
        raise invalid_arguments("missing required field: link")
    bookmark: Body = {
        "id": ws.new_id("Bk"),
        "channel_id": channel.id,
        "title": arg.string(args, "title") or "",
        "link": link,
        "emoji": arg.string(args, "emoji") or "",
        "icon_url": None,
        "type": kind,
        "entity_id": arg.string(args, "entity_id"),
        "date_created": int(time.time()),
        "date_updated": 0,
        "rank": f"{len(channel.bookmarks):04d}",
        "last_updated_by_user_id": BOT_USER_ID,
        "last_updated_by_team_id": TEAM_ID,
        "shortcut_id": None,
        "app_id": APP_ID,
    }
    channel.bookmarks.append(bookmark)
    return {"ok": True, "bookmark": bookmark}


HANDLERS: dict[str, Handler] = {"bookmarks.add": add}
