"""What the fake reads from an HTTP request before any method runs: the arguments (query,
form or JSON, with Slack's JSON-string fields decoded) and the token's kind."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

# Arguments Slack accepts as JSON strings inside form bodies.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


class BadBody(Exception):
    """A body Slack cannot parse; its text is the error Slack answers (``invalid_json``)."""


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def auth_error(method: str, token: str | None) -> str | None:
    """Slack's error for a missing token or one of the wrong kind (bot vs app-level)."""
    if not token:
        return "not_authed"
    wants_app_token = method in _APP_TOKEN_METHODS
    if token.startswith("xapp-"):
        return None if wants_app_token else "not_allowed_token_type"
    if token.startswith("xoxb-"):
        return "not_allowed_token_type" if wants_app_token else None
    return "invalid_auth"


async def read_args(request: web.Request) -> dict[str, Any]:
    """Merge query string and form/JSON body; decode JSON-string block/view args."""
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.read()
            if raw.strip():
                try:
                    data = json.loads(raw)
                except ValueError as exc:
                    raise BadBody("invalid_json") from exc
                if not isinstance(data, dict):
                    raise BadBody("invalid_json")
                args.update(data)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, field in form.items():
                args[key] = field.file.read() if isinstance(field, web.FileField) else field
        else:
            raw = await request.read()
            args.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for key in _JSON_ARGS:
        raw_value = args.get(key)
        if isinstance(raw_value, str) and raw_value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(raw_value)
    return args
