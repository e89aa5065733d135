"""Status updates, account threads and subscriptions; callers own the session and commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.store.models import AccountThread, StatusUpdate, Subscription


def decide(
    session: Session,
    update_id: int,
    *,
    state: str,
    by: str,
    at: datetime,
    reason: str | None,
    version: int | None = None,
) -> bool:
    """Only the first decision on a pending draft wins: the guard makes double clicks harmless.
    With ``version``, only that version of the text may be decided (the one the card showed)."""
    guard = [StatusUpdate.id == update_id, StatusUpdate.state == "pending"]
    if version is not None:
        guard.append(StatusUpdate.version == version)
    decided = session.execute(
        update(StatusUpdate)
        .where(*guard)
        .values(state=state, decided_by=by, decided_at=at, reason=reason)
    )
    return bool(decided.rowcount)  # type: ignore[attr-defined]


def revise(session: Session, update_id: int, *, text: str, by: str, seen: int) -> bool:
    """Replace the text of a pending draft still at version ``seen``; the version moves on, so
    an approval of the text shown before no longer matches."""
    revised = session.execute(
        update(StatusUpdate)
        .where(
            StatusUpdate.id == update_id,
            StatusUpdate.state == "pending",
            StatusUpdate.version == seen,
        )
        .values(customer_text=text, edited_by=by, version=StatusUpdate.version + 1)
    )
    return bool(revised.rowcount)  # type: ignore[attr-defined]


def threads_for(
    session: Session,
    incident_id: int,
    accounts: list[tuple[str, int, str]],
    now: datetime,
    *,
    declared: bool = False,
) -> list[AccountThread]:
    """The incident's thread rows for each (account id, tier, channel), created on first need:
    one look-up and one insert for all of them, as a declaration opens one per account. An
    incident ``declared`` in this transaction has none to look up."""
    known: dict[str, AccountThread] = {}
    if not declared:
        statement = select(AccountThread).where(AccountThread.incident_id == incident_id)
        known = {thread.account_id: thread for thread in session.scalars(statement)}
    new = {
        account_id: {
            "incident_id": incident_id,
            "account_id": account_id,
            "tier": tier,
            "channel": channel,
            "opened_at": now,
        }
        for account_id, tier, channel in accounts
        if account_id not in known
    }
    if new:  # one INSERT: a flush of new rows would send one per thread to learn each id
        added = session.scalars(insert(AccountThread).returning(AccountThread), list(new.values()))
        known.update((thread.account_id, thread) for thread in added)
    return [known[account_id] for account_id, _, _ in accounts]


def subscribers(session: Session, account_id: str) -> list[str]:
    statement = select(Subscription.user_id).where(Subscription.account_id == account_id)
    return list(session.scalars(statement.order_by(Subscription.id)))


def subscriptions_of(session: Session, user: str) -> list[str]:
    statement = select(Subscription.account_id).where(Subscription.user_id == user)
    return list(session.scalars(statement.order_by(Subscription.account_id)))


def subscribe(session: Session, user: str, account_id: str, now: datetime) -> bool:
    if account_id in subscriptions_of(session, user):
        return False
    session.add(Subscription(user_id=user, account_id=account_id, created_at=now))
    return True


def unsubscribe(session: Session, user: str, account_id: str) -> bool:
    removed = session.execute(
        delete(Subscription).where(
            Subscription.user_id == user, Subscription.account_id == account_id
        )
    )
    return bool(removed.rowcount)  # type: ignore[attr-defined]


def latest_approved(session: Session, incident_id: int) -> str | None:
    statement = (
        select(StatusUpdate.customer_text)
        .where(StatusUpdate.incident_id == incident_id, StatusUpdate.state == "approved")
        .order_by(StatusUpdate.decided_at.desc(), StatusUpdate.id.desc())
        .limit(1)
    )
    return session.scalar(statement)
