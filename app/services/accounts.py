"""`/incident accounts`: the impact matrix, looked up by a CS liaison or an IC."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from sqlalchemy.orm import Session

from app.briefs.view import AccountCard
from app.catalog.models import Account
from app.routing.impact import account_tier, score
from app.services.context import Context
from app.store import incidents
from app.store.models import SlackIdCache

MAX_RESULTS = 10


def matching(accounts: dict[str, Account], query: str) -> list[Account]:
    """Exact id, then ids and names containing the query, then close spellings."""
    needle = query.strip().lower()
    if not needle:
        return list(accounts.values())
    if needle in accounts:
        return [accounts[needle]]
    found = [a for a in accounts.values() if needle in a.id.lower() or needle in a.name.lower()]
    if found:
        return found
    names = {a.name.lower(): a for a in accounts.values()} | {a.id: a for a in accounts.values()}
    close = difflib.get_close_matches(needle, list(names), n=MAX_RESULTS, cutoff=0.6)
    return list({names[key].id: names[key] for key in close}.values())


def _is_liaison(session: Session, account: Account, viewer: str) -> bool:
    """By id, or by the email the configuration names once Slack resolved it to this viewer."""
    liaison = account.liaison
    if liaison is None or liaison == viewer:
        return liaison == viewer
    cached = session.get(SlackIdCache, f"email:{liaison.lower()}")
    return cached is not None and cached.value == viewer


class AccountService:
    def __init__(
        self, ctx: Context, *, links: Callable[[str], str | None] = lambda _account: None
    ) -> None:
        self.ctx = ctx
        self.links = links
        """The account's private status page URL (SPEC 5.9), shown to its liaison only."""

    def lookup(self, query: str, *, viewer: str) -> tuple[list[AccountCard], int]:
        """Up to MAX_RESULTS cards, most important tier first, and how many matched in all."""
        catalog = self.ctx.catalog
        matrix = catalog.policy.impact_matrix
        found = sorted(
            matching(catalog.accounts, query),
            key=lambda a: (account_tier(a, matrix), a.name.lower()),
        )
        with self.ctx.uow() as session:
            open_rows = [
                row
                for row in incidents.open_incidents(session)
                if not row.private or viewer in {row.commander, row.declared_by, row.comms_lead}
            ]
            liaisons = {
                account.id: _is_liaison(session, account, viewer) for account in found[:MAX_RESULTS]
            }
            hit = {
                row.ref: {aid for aid, _tier in (row.impact or {}).get("accounts", [])}
                for row in open_rows
            }
        cards = [
            AccountCard(
                account=account,
                tier=account_tier(account, matrix),
                score=score(account, matrix),
                services=tuple(
                    catalog.services[s].name if s in catalog.services else s for s in account.uses
                ),
                open_incidents=tuple(ref for ref, ids in hit.items() if account.id in ids),
                status_url=self.links(account.id) if liaisons[account.id] else None,
            )
            for account in found[:MAX_RESULTS]
        ]
        return cards, len(found)
