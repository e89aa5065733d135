"""What `/incident page` names: a person, a team or a service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.catalog.models import Catalog
from app.domain.commands import USAGE
from app.domain.errors import UsageError
from app.domain.people import parse_mention
from app.domain.suggest import did_you_mean


@dataclass(frozen=True)
class PageRequest:
    kind: Literal["user", "team", "service"]
    id: str


def parse_page_request(text: str, catalog: Catalog) -> PageRequest:
    usage = USAGE["page"]
    word = text.strip()
    if not word or len(word.split()) > 1:
        raise UsageError("Name exactly one person, team or service to page.", usage=usage)
    if user := parse_mention(word):
        return PageRequest("user", user)
    kind, _, key = word.partition(":")
    if kind in ("team", "service") and key:
        known = catalog.teams if kind == "team" else catalog.services
        if key not in known:
            raise UsageError(f"Unknown {kind} `{key}`.{did_you_mean(key, known)}", usage=usage)
        return PageRequest(kind, key)  # type: ignore[arg-type]
    raise UsageError(
        f"`{word}` is not a person (@name), `team:<id>` or `service:<id>`.", usage=usage
    )
