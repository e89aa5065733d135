"""Which bot-token scope each Web API method needs, and so which scopes Beacon's app must hold.

Slack's OpenAPI spec (2020) lists each method's scopes, but as the pre-granular ones
(``chat:write:bot``, ``channels:write``); bot tokens need the granular scopes each method's page
lists under "Required scopes: Bot tokens" (docs.slack.dev/reference/methods/<method>). This table
holds those. Where the scope depends on the conversation (history, topic, invitations), the
page lists one per kind: ``channels:`` for public channels, ``groups:`` for private ones,
``im:`` for DMs and ``mpim:`` for group DMs (e.g. conversations.history: channels:history,
groups:history, im:history, mpim:history).

The fake Slack enforces this table against the granted scopes; ``check-config --slack`` and a
unit test compare it with ``manifest.yml``.
"""

from __future__ import annotations

from collections.abc import Iterable

KINDS = ("channels", "groups", "im", "mpim")
"""Conversation kinds as scope prefixes: public, private, DM, group DM."""

BY_KIND: dict[str, str] = {
    "conversations.history": "history",
    "conversations.replies": "history",
    "conversations.info": "read",
    "conversations.members": "read",
    "conversations.list": "read",
    "conversations.setTopic": "write",
    "conversations.setPurpose": "write",
    "conversations.invite": "write",
    "conversations.kick": "write",
    "conversations.rename": "write",
    "conversations.archive": "write",
    "conversations.unarchive": "write",
    "conversations.leave": "write",
    "conversations.create": "write",
    "conversations.open": "write",
}
"""Methods whose scope is ``<kind>:<suffix>``; ``channels:write`` became ``channels:manage``."""

FIXED: dict[str, str | None] = {
    "auth.test": None,
    "api.test": None,
    "chat.getPermalink": None,
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "conversations.join": "channels:join",
    "pins.add": "pins:write",
    "pins.remove": "pins:write",
    "pins.list": "pins:read",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "reactions.get": "reactions:read",
    "users.info": "users:read",
    "users.list": "users:read",
    "users.lookupByEmail": "users:read.email",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "bookmarks.add": "bookmarks:write",
    "bookmarks.edit": "bookmarks:write",
    "bookmarks.remove": "bookmarks:write",
    "bookmarks.list": "bookmarks:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}

PUBLIC_POSTING = "chat:write.public"
"""Lets chat.postMessage reach a public channel the bot is not in; without it, not_in_channel."""

IMPLIED = {"users:read.email": "users:read"}
"""Slack only grants users:read.email alongside users:read (the scope's own page)."""

EVENT_SCOPES = {"reaction_added": "reactions:read", "app_home_opened": None}
"""Bot events and the scope each needs (docs.slack.dev/reference/events/<event>)."""

BEACON_CALLS = frozenset(
    {
        "auth.test",
        "chat.postEphemeral",
        "chat.postMessage",
        "chat.update",
        "conversations.create",
        "conversations.history",
        "conversations.invite",
        "conversations.join",
        "conversations.list",
        "conversations.open",
        "conversations.replies",
        "conversations.setTopic",
        "files.completeUploadExternal",
        "files.getUploadURLExternal",
        "pins.add",
        "users.info",
        "users.lookupByEmail",
        "usergroups.users.list",
        "views.open",
        "views.publish",
    }
)
"""Every Web API method Beacon calls (a unit test keeps this in step with the code)."""

BEACON_KINDS = {"channels", "groups", "im"}
"""Conversation kinds Beacon works in: public and private channels, and DMs with people."""

FEATURE_SCOPES = frozenset({"commands"})
"""Scopes a manifest feature needs rather than a method: slash commands need ``commands``."""


def known(method: str) -> bool:
    return method in FIXED or method in BY_KIND


def scope_for(method: str, kind: str) -> str | None:
    """The scope ``method`` needs on a conversation of ``kind`` (one of :data:`KINDS`)."""
    if method in FIXED:
        return FIXED[method]
    suffix = BY_KIND[method]
    if suffix == "write" and kind == "channels":
        return "channels:manage"
    return f"{kind}:{suffix}"


def needed(
    methods: Iterable[str] = BEACON_CALLS,
    kinds: Iterable[str] = BEACON_KINDS,
    events: Iterable[str] = EVENT_SCOPES,
) -> set[str]:
    """Scopes an app calling ``methods`` on conversations of ``kinds`` must hold."""
    scopes: set[str] = set()
    for method in methods:
        if method in FIXED:
            wanted = {FIXED[method]}
        elif method == "conversations.open":
            wanted = {scope_for(method, "im")}
        else:
            wanted = {scope_for(method, kind) for kind in kinds if kind != "im" or _dm(method)}
        scopes |= {scope for scope in wanted if scope}
    scopes |= {scope for event in events if (scope := EVENT_SCOPES.get(event))}
    scopes |= FEATURE_SCOPES
    scopes |= {IMPLIED[scope] for scope in scopes if scope in IMPLIED}
    return scopes


def _dm(method: str) -> bool:
    """DMs are read (history, replies), never managed as channels."""
    return BY_KIND.get(method) == "history"
