"""People as the config names them: Slack user ids, or emails until Slack resolves them."""

from __future__ import annotations

import re

from app.domain.text import escape, parse_ref

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def is_user_id(person: str) -> bool:
    return bool(USER_ID.match(person))


def mention(person: str) -> str:
    """A live mention of a user id; anything else (an email from the config) as plain text."""
    return f"<@{person}>" if is_user_id(person) else escape(person)


def parse_mention(text: str) -> str | None:
    """``<@U123|dana>`` or ``<@U123>`` (as Slack escapes a mention) or a bare ``U123``: the
    user id, else None."""
    ref = parse_ref(text)
    if ref is not None:
        return ref.id if ref.kind == "user" and is_user_id(ref.id) else None
    return text.strip() if is_user_id(text.strip()) else None
