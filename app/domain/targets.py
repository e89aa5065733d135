"""What `/incident page` names: a person, a user group, a team or a service."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from app.catalog.models import Catalog
from app.catalog.suggest import did_you_mean
from app.domain.commands import USAGE
from app.domain.errors import UsageError
from app.domain.people import parse_mention
from app.domain.text import escape, parse_ref, plain


@dataclass(frozen=True)
class PageRequest:
    kind: Literal["user", "usergroup", "team", "service"]
    id: str
    label: str = ""
    """How the request reads (``@payments`` for a user group), for replies."""
    members: tuple[str, ...] = ()
    """A user group's members, looked up in Slack when the page is sent."""

    def with_members(self, members: tuple[str, ...]) -> PageRequest:
        return replace(self, members=members)


def parse_page_request(text: str, catalog: Catalog) -> PageRequest:
    """``text`` as Slack escaped it: ``<@U…|dana>``, ``<!subteam^S…|@payments>``,
    ``team:<id>`` or ``service:<id>``."""
    usage = USAGE["page"]
    word = text.strip()
    if not word or len(word.split()) > 1:
        raise UsageError("Name exactly one person, team or service to page.", usage=usage)
    if user := parse_mention(word):
        return PageRequest("user", user)
    ref = parse_ref(word)
    if ref is not None and ref.kind == "usergroup":
        return PageRequest("usergroup", ref.id, label=ref.plain)
    kind, _, key = plain(word).partition(":")
    if kind in ("team", "service") and key:
        known = catalog.teams if kind == "team" else catalog.services
        if key not in known:
            raise UsageError(
                f"Unknown {kind} `{escape(key)}`.{did_you_mean(key, known)}", usage=usage
            )
        return PageRequest(kind, key)  # type: ignore[arg-type]
    raise UsageError(
        f"`{escape(plain(word))}` is not a person (@name), a user group (@group),"
        " `team:<id>` or `service:<id>`.",
        usage=usage,
    )
