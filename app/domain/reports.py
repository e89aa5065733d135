"""``/incident report ACCOUNT text [services: …]`` (SPEC 4, 5.8): a customer's words as a signal.

Checked against the catalog like a declaration, so a mistyped account or service gets the same
"did you mean" and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.models import Catalog
from app.domain.commands import USAGE
from app.domain.declaration import resolve_accounts, resolve_services
from app.domain.errors import UsageError
from app.domain.segments import split_list, split_segments

MAX_REPORT = 500
"""Characters kept of what the customer reported: a card line, not a ticket."""


@dataclass(frozen=True)
class Report:
    account: str
    text: str
    services: tuple[str, ...]
    """The services named, or else those the account uses."""


def parse_report(args: str, catalog: Catalog) -> Report:
    usage = USAGE["report"]
    free, keys = split_segments(args, ("services",), usage=usage)
    words = free.split(maxsplit=1)
    if len(words) < 2:
        raise UsageError("Name the account, then what the customer reports.", usage=usage)
    account = resolve_accounts([words[0]], catalog, usage)[0]
    named = resolve_services(split_list(keys.get("services", "")), catalog, usage)
    services = named or tuple(s for s in catalog.accounts[account].uses if s in catalog.services)
    if not services:
        message = f"`{account}` uses no known service: name them with `services:`."
        raise UsageError(message, usage=usage)
    return Report(account=account, text=words[1].strip()[:MAX_REPORT], services=services)
