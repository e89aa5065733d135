"""People as the config names them: Slack user ids, or emails until Slack resolves them."""

from __future__ import annotations

import re

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,39}$")
MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,39})(?:\|[^>]*)?>$")
"""Slack ids are a dozen characters; one longer than Beacon stores (40) is no user of Slack's."""


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
