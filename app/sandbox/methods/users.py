"""users.lookupByEmail, users.info and usergroups.users.list: who people are, as Slack says."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from app.sandbox import slack_args as arg
from app.sandbox.slack_model import (
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_ID,
    USER_ID,
    Args,
    Body,
    Handler,
    SlackError,
)

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace

#: users.info fields that make a user a guest, deactivated or a bot (docs.slack.dev user type).
_KIND_FLAGS = ("deleted", "is_bot", "is_restricted", "is_ultra_restricted")


def user_object(user_id: str, seeded: Body) -> Body | None:
    """The users.info user for ``user_id`` from what seeding said of it (``seeded``); any
    well-formed id gets a synthesized one, a malformed one None."""
    if user_id == BOT_USER_ID:
        return _user_body(user_id, BOT_NAME, {"real_name": "Beacon", "bot_id": BOT_ID}, is_bot=True)
    if not USER_ID.fullmatch(user_id):
        return None
    profile = dict(seeded)
    flags = {key: bool(profile.pop(key, False)) for key in _KIND_FLAGS}
    email = profile.get("email")
    name = str(profile.pop("name", email.split("@")[0] if email else user_id.lower()))
    body = _user_body(user_id, name, profile, is_bot=flags.pop("is_bot"))
    return {**body, **flags}


def _user_body(user_id: str, name: str, extra: Body, *, is_bot: bool) -> Body:
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


def lookup_by_email(ws: Workspace, args: Args) -> Body:
    user_id = ws.users.get(arg.string(args, "email") or "")
    # "If the user has been deactivated, users_not_found will be returned instead of a user
    # object" (api.slack.com/methods/users.lookupByEmail).
    if user_id is None or ws.profile(user_id).get("deleted"):
        raise SlackError("users_not_found")
    return {"ok": True, "user": ws.user_object(user_id)}


def info(ws: Workspace, args: Args) -> Body:
    user = ws.user_object(arg.string(args, "user") or "")
    if user is None:
        raise SlackError("user_not_found")
    return {"ok": True, "user": user}


def usergroup_members(ws: Workspace, args: Args) -> Body:
    group = ws.usergroups.get(arg.string(args, "usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


HANDLERS: dict[str, Handler] = {
    "users.lookupByEmail": lookup_by_email,
    "users.info": info,
    "usergroups.users.list": usergroup_members,
}
