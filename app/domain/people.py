"""People as the config names them: Slack user ids, or emails until Slack resolves them."""

from __future__ import annotations

import re
from collections.abc import Mapping

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"(?<![\w.+:|-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
"""An address standing alone: not inside a ``<mailto:…|…>`` link Slack made of typed text."""
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def is_user_id(person: str) -> bool:
    return bool(USER_ID.match(person))


def mention(person: str) -> str:
    return f"<@{person}>" if is_user_id(person) else person


def parse_mention(text: str) -> str | None:
    """``<@U123|dana>`` (as Slack escapes it) or a bare ``U123``: the user id, else None."""
    match = MENTION.match(text.strip())
    if match:
        return match.group(1)
    return text.strip() if is_user_id(text.strip()) else None


def emails_in(text: str) -> set[str]:
    return set(EMAIL.findall(text))


def with_mentions(text: str, users: Mapping[str, str]) -> str:
    """People named by email (``users``: lower-cased email → Slack user id, as resolved)
    written as mentions; an email with no user stays as written."""

    def swap(match: re.Match[str]) -> str:
        user = users.get(match.group(0).lower())
        return f"<@{user}>" if user else match.group(0)

    return EMAIL.sub(swap, text) if users else text
