"""Rules for the identifiers people type into configuration: people, channels, ids, handoffs.

They are checked when the configuration loads so that a typo surfaces in ``beacon
check-config`` with its line, not as a failed Slack call in the middle of an incident.
"""

from __future__ import annotations

import re
from datetime import time
from email.utils import parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
CHANNEL_NAME = re.compile(r"#[a-z0-9_-]{1,80}")
"""Slack: lowercase letters, numbers, hyphens and underscores, at most 80 characters."""
CATALOG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""Ids appear in ``/incident`` commands, separated by commas and spaces."""
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HANDOFF = re.compile(r"(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):([0-5]\d)", re.IGNORECASE)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROLES = ("oncall", "secondary", "manager", "exec", "liaison", "exec_sponsor", "commander")
"""The roles a ``page:`` list may name besides people (routing.targets resolves them)."""


def is_person(value: str) -> bool:
    return bool(USER_ID.fullmatch(value) or EMAIL.fullmatch(value))


def person(value: str) -> str:
    if not is_person(value):
        raise ValueError(
            f"`{value}` is not a person: use a Slack user id (U…/W…, e.g. U0123ABCD) "
            "or an email address"
        )
    return value


def channel(value: str) -> str:
    if CHANNEL_ID.fullmatch(value) or CHANNEL_NAME.fullmatch(value):
        return value
    if value.startswith("#"):
        raise ValueError(
            f"`{value}` is not a channel: Slack names allow lowercase letters, digits, "
            "- and _ (at most 80)"
        )
    raise ValueError(f"`{value}` is not a channel: use #name or a channel id (C…/G…)")


def channel_prefix(value: str) -> str:
    """Leaves room in Slack's 80 characters for ``-<number>-<slug>``."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,19}", value):
        raise ValueError(
            f"`{value}` is not a channel prefix: at most 20 lowercase letters, digits, - or _"
        )
    return value


def catalog_id(value: str) -> str:
    if not CATALOG_ID.fullmatch(value):
        raise ValueError(
            f"`{value}` is not a valid id: use letters, digits, -, _ and . (no spaces)"
        )
    return value


def env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(f"`{value}` is not an environment variable name")
    return value


def url(value: str) -> str:
    if not re.fullmatch(r"https?://\S+", value):
        raise ValueError(f"`{value}` is not an http(s) URL")
    return value


def email(value: str) -> str:
    if not EMAIL.fullmatch(value):
        raise ValueError(f"`{value}` is not an email address")
    return value


def mailbox(value: str) -> str:
    """An RFC 5322 mailbox as people write it: ``status@example.com`` or
    ``Northwind status <status@example.com>``."""
    name, address = parseaddr(value)
    if not EMAIL.fullmatch(address) or (not name and address != value.strip()):
        raise ValueError(f'`{value}` is not a sender: write "Name <address@example.com>"')
    return value


def origin(value: str) -> str:
    """A browser origin as CORS compares it: scheme, host and port, no path or trailing slash."""
    if not re.fullmatch(r"https?://[^/\s]+", value):
        raise ValueError(f"`{value}` is not an origin: write it like https://app.example.com")
    return value


def handoff(value: str) -> tuple[int, time]:
    """``"mon 09:00"`` -> (0, 09:00); the weekday numbering is ``datetime.weekday()``'s."""
    match = _HANDOFF.fullmatch(value.strip())
    if match is None:
        raise ValueError(
            f'handoff `{value}` must be a three-letter weekday and a 24-hour time, e.g. "mon 09:00"'
        )
    day, hour, minute = match.groups()
    return WEEKDAYS.index(day.lower()), time(int(hour), int(minute))


@lru_cache(maxsize=256)
def timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone `{value}`: use an IANA name such as Europe/Berlin"
        ) from None
    return value
