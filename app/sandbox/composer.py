"""What Slack makes of the words a person types after ``/incident``.

Beacon's command is declared with ``should_escape: true`` (manifest.yml, the setting "Escape
channels, users, and links sent to your app", api.slack.com/interactivity/slash-commands), so
Slack sends the text escaped as it escapes all message text ("Formatting text for app
surfaces", api.slack.com/reference/surfaces/formatting#escaping): ``&``, ``<``, ``>`` as
``&amp;`` ``&lt;`` ``&gt;``; ``@channel``/``@here``/``@everyone`` as ``<!channel>`` …; a user it
knows as ``<@U…|name>``; a channel as ``<#C…|name>``; a user group as
``<!subteam^S…|@handle>``; a URL as ``<https://…>``. Tests, the sandbox page and drills type
through :func:`slash_text`, so Beacon only ever sees what Slack would send it.
"""

from __future__ import annotations

import re

from app.sandbox.slack_state import Workspace

_WORD = re.compile(r"(?<![\w@#.])([@#])([\w.-]*\w)|(?<![\w<])(https?://[^\s<>]+)")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
BROADCASTS = ("channel", "here", "everyone")


def _escape(text: str) -> str:
    return re.sub(r"[&<>]", lambda match: _ESCAPES[match.group(0)], text)


def slash_text(typed: str, workspace: Workspace) -> str:
    """``typed`` as Slack would deliver it in a slash command's ``text`` field."""

    def sequence(match: re.Match[str]) -> str:
        sigil, name, url = match.group(1), match.group(2), match.group(3)
        if url:
            return f"<{url}>"
        if sigil == "#":
            channel = workspace.lookup(name)
            return f"<#{channel.id}|{channel.name}>" if channel else match.group(0)
        if name in BROADCASTS:
            return f"<!{name}>"
        for group in workspace.usergroups.values():
            if group.handle == name:
                return f"<!subteam^{group.id}|@{group.handle}>"
        user = _user(workspace, name)
        return f"<@{user[0]}|{user[1]}>" if user else match.group(0)

    return _WORD.sub(sequence, _escape(typed))


def _user(workspace: Workspace, name: str) -> tuple[str, str] | None:
    """A user typed as ``@name`` or ``@U…``: their id and Slack username, if Slack knows them."""
    for user_id in workspace.users.values():
        found = workspace.user_object(user_id)
        if found and name in (user_id, found["name"]):
            return user_id, str(found["name"])
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", name):
        found = workspace.user_object(name)
        if found:
            return name, str(found["name"])
    return None
