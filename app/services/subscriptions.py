"""Following an account: a CS person who subscribes is mentioned in its incident threads."""

from __future__ import annotations

from app.domain.wording import join_words
from app.services.context import Context
from app.store import updates
from app.wording import replies


class SubscriptionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def subscribe(self, account_id: str, *, user: str) -> str:
        name = self.ctx.catalog.accounts[account_id].name
        with self.ctx.uow() as session:
            added = updates.subscribe(session, user, account_id, self.ctx.clock())
            session.commit()
        return replies.followed(name, already=not added)

    def unsubscribe(self, account_id: str, *, user: str) -> str:
        name = self.ctx.catalog.accounts[account_id].name
        with self.ctx.uow() as session:
            removed = updates.unsubscribe(session, user, account_id)
            session.commit()
        return replies.unfollowed(name, was_following=removed)

    def list(self, *, user: str) -> str:
        with self.ctx.uow() as session:
            ids = updates.subscriptions_of(session, user)
        if not ids:
            return "You follow no accounts. `/incident subscribe <account>` to start."
        accounts = self.ctx.catalog.accounts
        names = [accounts[i].name if i in accounts else i for i in ids]
        return "You follow: " + join_words(names)
