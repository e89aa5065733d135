"""Account threads (SPEC 5.4): one per (incident, affected account) whose tier has
``thread: true``, opened as soon as the account is affected and whose parent message is kept
current as the incident moves, so the CS channel can be scanned for what is still open.

Private incidents have no threads at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.outbox import keys
from app.outbox.kinds import Kind
from app.services.context import Context, assessment_of
from app.store import outbox, updates
from app.store.models import AccountThread, Incident, OutboxItem


def thread_targets(
    session: Session, ctx: Context, incident: Incident, now: datetime, *, declared: bool = False
) -> list[AccountThread]:
    """The (incident, account) threads of every affected account whose tier has threads
    (``declared``: of an incident declared in this transaction)."""
    if incident.private:
        return []
    policy = ctx.catalog.policy
    accounts = [
        (account_id, tier, account.channel or policy.workspace.cs_channel)
        for account_id, tier in assessment_of(incident).accounts
        if (account := ctx.catalog.accounts.get(account_id)) is not None
        and policy.tier_rule(tier).thread
    ]
    return updates.threads_for(session, incident.id, accounts, now, declared=declared)


def open_thread(
    session: Session,
    incident: Incident,
    thread: AccountThread,
    now: datetime,
    after: OutboxItem | None = None,
) -> OutboxItem:
    """The thread's parent message, posted once whatever is sent into the thread first."""
    return outbox.enqueue(
        session,
        key=keys.thread_open(thread.id),
        kind=Kind.OPEN_ACCOUNT_THREAD,
        now=now,
        payload={"thread_id": thread.id},
        incident_id=incident.id,
        after=after,
    )


def open_threads(
    session: Session,
    ctx: Context,
    incident: Incident,
    now: datetime,
    after: OutboxItem | None = None,
    *,
    declared: bool = False,
) -> None:
    """At declaration (``declared``) and on every re-route: a thread for each account affected by
    now (``after``: the channel, at declaration, so the parent can link to it)."""
    for thread in thread_targets(session, ctx, incident, now, declared=declared):
        open_thread(session, incident, thread, now, after)


def refresh_threads(session: Session, incident: Incident, *, key: str, now: datetime) -> None:
    """Edit every opened parent to show the incident's severity and status as they are now."""
    statement = select(AccountThread).where(AccountThread.incident_id == incident.id)
    for thread in session.scalars(statement.order_by(AccountThread.id)):
        outbox.enqueue(
            session,
            key=keys.thread_refresh(thread.id, key),
            kind=Kind.REFRESH_ACCOUNT_THREAD,
            now=now,
            payload={"thread_id": thread.id},
            incident_id=incident.id,
            after=open_thread(session, incident, thread, now),
        )
