"""The fake's scope check: every call against the scopes the app was granted, as Slack does.

Slack refuses a call the token's scopes do not cover with HTTP 200 and
``{"ok": false, "error": "missing_scope", "needed": "<scope>", "provided": "<granted, comma
separated>"}`` (the shape in Slack's OpenAPI error schemas, e.g. conversations.invite's
``needed``/``provided``, and a real answer quoted in apache/superset#15904). Slack's Web API
responses carry the token's scopes in an ``x-oauth-scopes`` header (Slack's OAuth docs, on
checking granted scopes; the exact page could not be pinned down from the stored docs), which
``check-config --slack`` reads from ``auth.test``.

By default the fake grants exactly the bot scopes in ``manifest.yml``, so a method Beacon
starts calling without adding its scope fails in every test, as it would after installing the
app from that manifest.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from app.sandbox.slack_model import Body, Channel
from app.sandbox.slack_state import Workspace
from app.slack import scopes as rules

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
_LIST_TYPES = {
    "public_channel": "channels",
    "private_channel": "groups",
    "im": "im",
    "mpim": "mpim",
}


@functools.cache
def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes ``manifest.yml`` asks for; Beacon's own needs when it is not at hand
    (an installed package without the repository)."""
    if not path.is_file():
        return frozenset(rules.needed())
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return frozenset(str(s) for s in data["oauth_config"]["scopes"]["bot"])


def missing_scope(
    method: str, args: dict[str, Any], workspace: Workspace, granted: Iterable[str]
) -> Body | None:
    """Slack's answer when ``granted`` lacks what ``method`` needs here; None when allowed."""
    have = set(granted)
    if not rules.known(method):
        return None
    for scope in _needed(method, args, workspace):
        if scope and scope not in have:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": scope,
                "provided": ",".join(sorted(have)),
            }
    if method == "chat.postMessage" and rules.PUBLIC_POSTING not in have:
        # chat.postMessage: "not_in_channel — Cannot post user messages to a channel they are
        # not in"; chat:write.public is what lets a bot post in public channels it never joined.
        channel = _conversation(args, workspace, "channel")
        if channel is not None and _kind(channel) == "channels" and not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
    return None


def _needed(method: str, args: dict[str, Any], workspace: Workspace) -> list[str | None]:
    if method in rules.FIXED:
        return [rules.FIXED[method]]
    if method == "conversations.list":
        types = str(args.get("types") or "public_channel").split(",")
        kinds = [_LIST_TYPES[t.strip()] for t in types if t.strip() in _LIST_TYPES]
        return [rules.scope_for(method, kind) for kind in kinds]
    if method == "conversations.create":
        private = str(args.get("is_private", "")).lower() in ("1", "true")
        return [rules.scope_for(method, "groups" if private else "channels")]
    if method == "conversations.open" and args.get("users") is not None:
        users = [u for u in str(args["users"]).split(",") if u.strip()]
        return [rules.scope_for(method, "im" if len(users) <= 1 else "mpim")]
    channel = _conversation(args, workspace, "channel")
    return [rules.scope_for(method, _kind(channel) if channel else "channels")]


def _conversation(args: dict[str, Any], workspace: Workspace, key: str) -> Channel | None:
    ref = args.get(key)
    return workspace.lookup(ref) if isinstance(ref, str) and ref else None


def _kind(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    if channel.is_mpim:
        return "mpim"
    return "groups" if channel.is_private else "channels"
