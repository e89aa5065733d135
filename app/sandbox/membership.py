"""Who may read a conversation and who can be invited to one, as Slack decides it.

Kept out of :mod:`app.sandbox.methods.conversations` so the rules sit together with their sources.

- History and replies: a bot token reads only conversations it is a member of.
  conversations.history / conversations.replies answer ``not_in_channel`` for a public channel
  the bot is not in (docs.slack.dev/reference/methods/conversations.history, errors:
  "not_in_channel"); a private channel the bot is not in is ``channel_not_found``, as every
  method answers for it (the slack_state lookup).
- Invitations (docs.slack.dev/reference/methods/conversations.invite): "Users who can be
  successfully invited ... will not be invited if any of the user invites fail. Instead, an
  error response will be returned", unless ``force`` ("continue inviting the valid ones while
  disregarding invalid IDs"); the error response lists each failure in ``errors`` as
  ``{"user", "ok": false, "error"}`` (OpenAPI error schema of conversations.invite). Per-user
  codes from that schema: ``already_in_channel``, ``user_is_bot``, ``user_is_restricted`` (a
  multi-channel guest), ``user_is_ultra_restricted`` (a single-channel guest), ``cant_invite``.
  Deactivated ("removed") users "fail silently": the others are invited and an error comes back
  even without ``force``. Which code Slack uses for them is not documented; ``cant_invite``.
- DMs: conversations.open with a deactivated user answers ``user_disabled`` (an error of
  conversations.open in Slack's OpenAPI spec).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.sandbox.slack_model import BOT_USER_ID, USER_ID, Body, Channel, SlackError

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace


def check_readable(channel: Channel) -> None:
    if not channel.is_member:
        raise SlackError("not_in_channel")


def check_dm_allowed(profile: Body) -> None:
    if profile.get("deleted"):
        raise SlackError("user_disabled")


def invite_error(workspace: Workspace, channel: Channel, user: str) -> str | None:
    """Why ``user`` cannot be invited to ``channel``, or None."""
    if not USER_ID.fullmatch(user):
        return "user_not_found"
    if user in channel.members:
        return "already_in_channel"
    profile = workspace.profile(user)
    if profile.get("is_bot"):
        return "user_is_bot"
    if profile.get("deleted"):
        return "cant_invite"
    if profile.get("is_ultra_restricted"):
        return "user_is_ultra_restricted"
    if profile.get("is_restricted"):
        return "user_is_restricted"
    return None


def invite(workspace: Workspace, channel: Channel, users: list[str], *, force: bool) -> Body:
    """Apply an invitation batch; raises Slack's error (with ``errors``) when any user fails."""
    for user in users:
        if user == BOT_USER_ID:
            raise SlackError("cant_invite_self")
    failures = {u: e for u in dict.fromkeys(users) if (e := invite_error(workspace, channel, u))}
    removed_only = all(error == "cant_invite" for error in failures.values())
    if not failures or force or removed_only:
        channel.members.update(u for u in users if u not in failures)
    if not failures:
        return {"ok": True, "channel": channel.to_api()}
    errors = [{"user": u, "ok": False, "error": e} for u, e in failures.items()]
    raise SlackError(next(iter(failures.values())), errors=errors)
