"""Reading Web API arguments the way Slack does: loose strings and flags, cursors, JSON fields.

Every method of :mod:`app.sandbox.methods` reads its arguments through these, so a wrong type
answers the same ``invalid_arguments`` (or ``invalid_cursor``, ``invalid_ts_latest``) in all of
them.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from app.sandbox.slack_model import Args, SlackError, invalid_arguments


def string(args: Args, key: str) -> str | None:
    """``args[key]`` as Slack reads a string: numbers and booleans as their text."""
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    raise invalid_arguments(f"must be a string [json-pointer:/{key}]")


def flag(args: Args, key: str) -> bool:
    value = args.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def integer(args: Args, key: str, default: int, *, maximum: int | None = None) -> int:
    value = args.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise SlackError(f"invalid_{key}") from exc
    if number <= 0:
        number = default
    return min(number, maximum) if maximum else number


def csv(args: Args, key: str) -> list[str]:
    """A comma-separated list (or a JSON array), blanks dropped."""
    value = args.get(key)
    if value is None:
        return []
    parts = [str(v) for v in value] if isinstance(value, list) else str(value).split(",")
    return [p.strip() for p in parts if p.strip()]


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"next:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "next":
            raise ValueError(cursor)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise SlackError("invalid_cursor") from exc


def page(items: list[Any], args: Args, *, default_limit: int) -> tuple[list[Any], str]:
    """Cursor pagination: the slice for this call and the next cursor ('' at the end)."""
    limit = integer(args, "limit", default_limit, maximum=1000)
    start = _decode_cursor(string(args, "cursor"))
    chunk = items[start : start + limit]
    end = start + limit
    return chunk, (_encode_cursor(end) if end < len(items) else "")


def ts_value(ts: str | None, default: float) -> float:
    if not ts:
        return default
    try:
        return float(ts)
    except ValueError as exc:
        raise SlackError("invalid_ts_latest") from exc


def json_field(args: Args, key: str, error: str) -> Any:
    """A field that must be JSON; the HTTP layer already decoded valid JSON strings."""
    value = args.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise SlackError(error) from exc
    return value
