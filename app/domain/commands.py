"""The `/incident` command line: verbs, their usage, and the optional ``INC-<n>`` prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.catalog.suggest import did_you_mean
from app.domain.errors import UsageError
from app.domain.text import escape, plain

USAGE: dict[str, str] = {
    "declare": "`/incident declare [private] [drill] [SEV] <title> [services: a, b]"
    " [accounts: x, y]` (no severity or no title opens the form)",
    "update": "`/incident update [summary] status: … impact: … cause: … action: … next: …"
    " workaround: … eta: 45m`",
    "severity": "`/incident severity <SEV> [reason]`",
    "assign": "`/incident assign commander|comms @user` (or `me` to take the role)",
    "mitigate": "`/incident mitigate <action> [reason: …]` (asks for authorisation)",
    "page": "`/incident page @user | @user-group | team:<id> | service:<id>`",
    "ack": "`/incident ack`",
    "escalate": "`/incident escalate [reason]`",
    "resolve": "`/incident resolve fix: … residual_risk: … customer_steps: …`",
    "status": "`/incident status` (in an incident channel, or `/incident INC-42 status`)",
    "list": "`/incident list`",
    "subscribe": "`/incident subscribe <account>`",
    "unsubscribe": "`/incident unsubscribe <account>`",
    "subscriptions": "`/incident subscriptions`",
    "accounts": "`/incident accounts [query]`",
    "oncall": "`/incident oncall [team|service]`",
    "reopen": "`/incident reopen [investigating|monitoring]` (within 24 h of resolving)",
    "report": "`/incident report <account> <what the customer reports> [services: a, b]`",
    "review": "`/incident review [customer]` (`customer` drafts a summary for approval)",
    "stats": "`/incident stats [7d|30d|90d]`",
    "help": "`/incident help`",
}

INCIDENT_VERBS = frozenset(
    {
        "update",
        "severity",
        "assign",
        "mitigate",
        "page",
        "ack",
        "escalate",
        "resolve",
        "status",
        "reopen",
        "review",
    }
)
"""Verbs that act on one incident: inside its channel, or anywhere with ``INC-<n>`` first."""

_REF = re.compile(r"^INC-(\d{1,9})$", re.IGNORECASE)
"""Nine digits at most: incident numbers are 32-bit integers in the database (PostgreSQL refuses
a larger one with an error, not with "no such incident")."""
_LONG_REF = re.compile(r"^INC-\d{10,}$", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """``args`` is plain text (what the person typed, mentions read as ``@name``); ``raw`` is
    the same words as Slack escaped them, for the verbs that need a mention's id."""

    verb: str
    args: str
    incident_number: int | None = None
    raw: str = field(default="", compare=False)


def parse_incident_ref(word: str) -> int | None:
    match = _REF.match(word)
    return int(match.group(1)) if match else None


def parse_command(text: str) -> Command:
    """``text`` as Slack sends it (escaped, ``should_escape: true``)."""
    words = text.strip().split(None, 1)
    number = parse_incident_ref(words[0]) if words else None
    if words and _LONG_REF.match(words[0]):
        raise UsageError("There is no such incident.", usage=USAGE["status"])
    if number is not None:
        words = words[1].split(None, 1) if len(words) > 1 else []
        if not words:
            return Command("status", "", number)
    if not words:
        return Command("help", "")
    verb = words[0].lower()
    args = words[1].strip() if len(words) > 1 else ""
    if verb not in USAGE:
        raise UsageError(
            f"`{escape(plain(words[0]))}` is not an `/incident` command."
            + did_you_mean(verb, USAGE),
            usage="Try `/incident help` for the list.",
        )
    if number is not None and verb not in INCIDENT_VERBS:
        raise UsageError(
            f"`{verb}` does not act on one incident, so it takes no `INC-{number}`.",
            usage=USAGE[verb],
        )
    return Command(verb, plain(args), number, raw=args)


def help_text() -> str:
    return "\n".join(f"• {usage}" for usage in USAGE.values())
