"""How people and Slack references are named in each medium: a live ``<@U…>`` mention in Slack
mrkdwn, ``@U…`` in the review's Markdown (a file is not Slack: a mention there notifies nobody
and reads as noise), and people the config names by email as written until Slack resolves them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from app.domain.people import EMAIL, is_user_id
from app.domain.people import mention as mention

SLACK_REFERENCE = re.compile(r"<([@#])([UWC][A-Z0-9]+)(?:\|([^>]*))?>")


def mentions(people: Iterable[str | None]) -> str:
    """Each person once, in order, as live mentions separated by spaces."""
    return " ".join(mention(p) for p in dict.fromkeys(filter(None, people)))


def handle(person: str, users: Mapping[str, str] | None = None) -> str:
    """How the review names someone: ``@U…``; an email Slack resolved (``users``: lower-cased
    email → user id) by that user's id, else as written."""
    if is_user_id(person):
        return f"@{person}"
    user = (users or {}).get(person.lower())
    return f"@{user}" if user else person


def who(actor: str | None) -> str:
    """The review's who column: the person, or Beacon when nobody acted."""
    return f"@{actor}" if actor else "Beacon"


def plain_references(text: str, users: Mapping[str, str] | None = None) -> str:
    """Slack text as the review reads it: ``<@U0ID1>`` as ``@U0ID1`` (as the who column names
    people), ``<#C1|inc-1>`` as ``#inc-1``, and resolved emails as their user's handle."""

    def plain(match: re.Match[str]) -> str:
        sigil, ident, label = match.groups()
        return f"#{label or ident}" if sigil == "#" else f"@{ident}"

    text = SLACK_REFERENCE.sub(plain, text)
    if users:
        text = EMAIL.sub(lambda match: handle(match.group(0), users), text)
    return text


def clock(moment: datetime | str | None) -> str:
    """A time of day as the channel reads it (``14:30 UTC``); stored events keep ISO strings."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%H:%M UTC") if moment else "none scheduled"
