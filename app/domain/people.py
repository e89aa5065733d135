"""People as the config names them: Slack user ids, or emails until Slack resolves them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from app.domain.commands import USAGE
from app.domain.errors import UsageError
from app.domain.text import escape, parse_ref

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,39}$")
"""Slack ids are a dozen characters; one longer than Beacon stores (40) is no user of Slack's."""
EMAIL = re.compile(r"(?<![\w.+:|-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
"""An address standing alone: not inside a ``<mailto:…|…>`` link Slack made of typed text."""
Role = Literal["commander", "comms"]
ROLES: dict[str, Role] = {"commander": "commander", "comms": "comms"}


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


def parse_assignment(raw: str, *, me: str) -> tuple[Role, str]:
    """``commander <@U…|name>`` (as Slack escaped it) or ``commander me`` (``me``: who typed
    it): the role and the user id."""
    words = raw.split()
    role = ROLES.get(words[0].lower()) if words else None
    who = words[1] if len(words) == 2 else ""
    user = me if who.lower() == "me" else parse_mention(who)
    if role is None or user is None:
        raise UsageError("Say which role and whom (`me` to take it).", usage=USAGE["assign"])
    return role, user


def emails_in(text: str) -> set[str]:
    return set(EMAIL.findall(text))


def with_mentions(text: str, users: Mapping[str, str]) -> str:
    """People named by email (``users``: lower-cased email → Slack user id, as resolved)
    written as mentions; an email with no user stays as written."""

    def swap(match: re.Match[str]) -> str:
        user = users.get(match.group(0).lower())
        return f"<@{user}>" if user else match.group(0)

    return EMAIL.sub(swap, text) if users else text
