"""Status updates, account threads and subscriptions; callers own the session and commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
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


def thread_for(
    session: Session,
    *,
    incident_id: int,
    account_id: str,
    tier: int,
    channel: str,
    now: datetime,
) -> tuple[AccountThread, bool]:
    """The (incident, account) thread row, created on first need; True when new."""
    thread = session.scalar(
        select(AccountThread).where(
            AccountThread.incident_id == incident_id, AccountThread.account_id == account_id
        )
    )
    if thread is not None:
        return thread, False
    thread = AccountThread(
        incident_id=incident_id, account_id=account_id, tier=tier, channel=channel, opened_at=now
    )
    session.add(thread)
    session.flush()
    return thread, True


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
