"""Status updates and their approval (SPEC 5.3, 5.4).

`/incident update` posts the internal brief at once and drafts the customer text for approval.
Approval is a guarded state change (pending → approved) written with all its deliveries in one
transaction: one reply per account thread, the announcement, each webhook. A second click, a
retried request or a crash after the commit therefore never sends anything twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import Forbidden, UsageError
from app.domain.people import mention
from app.domain.text import escape
from app.domain.updates import UpdateInput, check_transition
from app.publishing.notify import enqueue_emails
from app.services import cadence
from app.services.context import Context
from app.services.lookup import find_incident
from app.services.paging import enqueue, enqueue_refresh
from app.services.views import incident_view
from app.store import incidents, updates
from app.store.models import AccountThread, Incident, OutboxItem, StatusUpdate


def _fields(update: UpdateInput) -> dict[str, str | None]:
    return {
        name: (str(value) if value is not None else None) for name, value in asdict(update).items()
    }


@dataclass(frozen=True)
class Decision:
    ref: str
    state: str
    by: str
    sent_to: int
    new: bool
    """False when someone had already decided; the reply then says who and when."""


def draft_card(
    session: Session,
    incident: Incident,
    draft: StatusUpdate,
    now: datetime,
    after: OutboxItem | None = None,
) -> None:
    enqueue(
        session,
        incident,
        "post_approval_card",
        f"update:{draft.id}:card",
        now=now,
        after=after,
        update_id=draft.id,
    )


def post_briefs(session: Session, incident: Incident, draft: StatusUpdate, now: datetime) -> None:
    """The internal brief at once, then (for customer-visible, public incidents) the approval card
    of the customer draft under it, so the channel reads in that order."""
    internal = enqueue(
        session,
        incident,
        "post_internal_brief",
        f"update:{draft.id}:internal",
        now=now,
        update_id=draft.id,
    )
    if incident.customer_visible and not incident.private:
        draft_card(session, incident, draft, now, after=internal)


def draft_initial_notice(
    session: Session, ctx: Context, incident: Incident, now: datetime, after: OutboxItem
) -> None:
    """SEV1/SEV2-like incidents (the two most severe levels) with customer-visible impact get
    their first customer notice drafted at declaration, waiting for approval."""
    rank = ctx.catalog.policy.severity(incident.severity).rank
    if rank > 1 or not incident.customer_visible or incident.private:
        return
    view = incident_view(incident, ctx.catalog)
    draft = StatusUpdate(
        incident_id=incident.id,
        kind="initial",
        drafted_by=incident.declared_by,
        drafted_at=now,
        fields={},
        customer_text=ctx.drafter.initial_notice(
            view, now=now, next_update_due=incident.next_update_due
        ),
        state="pending",
    )
    session.add(draft)
    session.flush()
    draft_card(session, incident, draft, now, after)


def thread_targets(
    session: Session, ctx: Context, incident: Incident, now: datetime
) -> list[AccountThread]:
    """The (incident, account) threads of every affected account whose tier has threads."""
    if incident.private:
        return []
    policy = ctx.catalog.policy
    threads = []
    for account_id, tier in (incident.impact or {}).get("accounts", []):
        account = ctx.catalog.accounts.get(account_id)
        if account is None or not policy.tier_rule(int(tier)).thread:
            continue
        thread, _ = updates.thread_for(
            session,
            incident_id=incident.id,
            account_id=account_id,
            tier=int(tier),
            channel=account.channel or policy.workspace.cs_channel,
            now=now,
        )
        threads.append(thread)
    return threads


def open_thread(
    session: Session, incident: Incident, thread: AccountThread, now: datetime
) -> OutboxItem:
    """The thread's parent message, posted once whatever is sent into the thread first."""
    return enqueue(
        session,
        incident,
        "open_account_thread",
        f"thread:{thread.id}:open",
        now=now,
        thread_id=thread.id,
    )


class UpdateService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.drafter = ctx.drafter

    def post(
        self, update: UpdateInput, *, actor: str, number: int | None, channel: str | None
    ) -> str:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = find_incident(session, number=number, channel=channel, viewer=actor)
            if incident.status == "resolved":
                raise UsageError(f"{incident.ref} is resolved; `/incident reopen` it first.")
            if update.status:
                check_transition(incident.status, update.status)
                incident.status = update.status
            if update.summary:
                incident.summary = update.summary
            incident.last_update_at = now
            cadence.restart(session, self.ctx, incident, since=now)
            view = incident_view(incident, self.ctx.catalog)
            due = incident.next_update_due
            draft = StatusUpdate(
                incident_id=incident.id,
                kind="update",
                drafted_by=actor,
                drafted_at=now,
                fields=_fields(update),
                internal_text=self.drafter.internal(view, update, now=now, next_update_due=due),
                customer_text=self.drafter.customer(view, update, now=now, next_update_due=due),
                state="pending",
            )
            session.add(draft)
            session.flush()
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="update",
                text=escape(update.summary) if update.summary else "status update",
                data={"update_id": draft.id, "status": incident.status},
            )
            post_briefs(session, incident, draft, now)
            enqueue_refresh(session, incident, key=f"update:{draft.id}", now=now)
            session.commit()
        self.ctx.on_commit()
        return f"Update for {incident.ref} posted; the customer draft waits for approval."

    def _draft(self, session: Session, update_id: int) -> tuple[StatusUpdate, Incident]:
        draft = session.get(StatusUpdate, update_id)
        if draft is None:
            raise UsageError("That draft no longer exists.")
        return draft, session.get_one(Incident, draft.incident_id)

    def _may_approve(self, incident: Incident, user: str) -> bool:
        return user == incident.commander or user in self.ctx.catalog.policy.workspace.approvers

    def _refuse(
        self, session: Session, incident: Incident, user: str, what: str, now: datetime
    ) -> Forbidden:
        incidents.record(
            session,
            incident,
            at=now,
            actor=user,
            kind="approval_refused",
            text=f"{mention(user)} may not {what} customer updates",
        )
        session.commit()
        return Forbidden(
            f"Only the incident commander ({mention(incident.commander)}) or an approver may"
            f" {what} customer updates for {incident.ref}."
        )

    def _take_decision(
        self,
        session: Session,
        update_id: int,
        *,
        actor: str,
        state: str,
        reason: str | None,
        now: datetime,
    ) -> tuple[StatusUpdate, Incident, Decision | None]:
        """Check the right to decide, then decide once: a draft already decided (a second
        click, a retried request) comes back with that earlier decision instead."""
        draft, incident = self._draft(session, update_id)
        if not self._may_approve(incident, actor):
            verb = "approve" if state == "approved" else "reject"
            raise self._refuse(session, incident, actor, verb, now)
        if updates.decide(session, draft.id, state=state, by=actor, at=now, reason=reason):
            return draft, incident, None
        session.refresh(draft)
        earlier = Decision(incident.ref, draft.state, draft.decided_by or "", draft.sent_to, False)
        return draft, incident, earlier

    def approve(self, update_id: int, *, actor: str) -> Decision:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            draft, incident, earlier = self._take_decision(
                session, update_id, actor=actor, state="approved", reason=None, now=now
            )
            if earlier is not None:
                return earlier
            draft.sent_to = self._publish(session, incident, draft, now)
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="approved",
                text=f"Customer update approved; sent to {draft.sent_to} account thread(s)",
                data={"update_id": draft.id},
            )
            enqueue(
                session,
                incident,
                "refresh_card",
                f"update:{draft.id}:card:approved",
                now=now,
                update_id=draft.id,
            )
            session.commit()
        self.ctx.on_commit()
        return Decision(incident.ref, "approved", actor, draft.sent_to, True)

    def _publish(
        self, session: Session, incident: Incident, draft: StatusUpdate, now: datetime
    ) -> int:
        """Every delivery of an approved text, recorded now, delivered by the outbox."""
        if incident.private:
            return 0
        policy = self.ctx.catalog.policy
        threads = thread_targets(session, self.ctx, incident, now)
        for thread in threads:
            enqueue(
                session,
                incident,
                "thread_reply",
                f"thread:{thread.id}:update:{draft.id}",
                now=now,
                after=open_thread(session, incident, thread, now),
                thread_id=thread.id,
                update_id=draft.id,
            )
        for index, _webhook in enumerate(policy.webhooks):
            enqueue(
                session,
                incident,
                "webhook",
                f"update:{draft.id}:webhook:{index}",
                now=now,
                update_id=draft.id,
                webhook=index,
            )
        enqueue_emails(session, self.ctx.catalog, incident, draft, now)
        enqueue(
            session,
            incident,
            "refresh_announcement",
            f"incident:{incident.id}:refresh_announcement:update:{draft.id}:approved",
            now=now,
        )
        return len(threads)

    def reject(self, update_id: int, *, actor: str, reason: str) -> Decision:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            draft, incident, earlier = self._take_decision(
                session, update_id, actor=actor, state="rejected", reason=reason, now=now
            )
            if earlier is not None:
                return earlier
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="rejected",
                text=f"Customer update rejected: {escape(reason)}",
                data={"update_id": draft.id},
            )
            enqueue(
                session,
                incident,
                "refresh_card",
                f"update:{draft.id}:card:rejected",
                now=now,
                update_id=draft.id,
            )
            drafter = mention(draft.drafted_by) if draft.drafted_by else "the drafter"
            enqueue(
                session,
                incident,
                "post_notice",
                f"update:{draft.id}:rejected:notice",
                now=now,
                text=f":no_entry: {drafter}, {mention(actor)} rejected the customer"
                f" draft: {escape(reason)}. Post a corrected `/incident update`.",
            )
            session.commit()
        self.ctx.on_commit()
        return Decision(incident.ref, "rejected", actor, 0, True)

    def draft_text(self, update_id: int, *, actor: str) -> str:
        """The text an editor starts from; editing needs the same right as approving."""
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            draft, incident = self._draft(session, update_id)
            allowed = self._may_approve(incident, actor) or actor in {
                draft.drafted_by,
                incident.comms_lead,
            }
            if not allowed:
                raise self._refuse(session, incident, actor, "edit", now)
            if draft.state != "pending":
                raise UsageError(f"This draft was already {draft.state}.")
            return draft.customer_text

    def edit(self, update_id: int, *, actor: str, text: str) -> None:
        now = self.ctx.clock()
        self.draft_text(update_id, actor=actor)
        with self.ctx.uow() as session:
            draft, incident = self._draft(session, update_id)
            draft.customer_text = text.strip()
            draft.edited_by = actor
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="draft_edited",
                text="Customer draft edited",
                data={"update_id": draft.id},
            )
            enqueue(
                session,
                incident,
                "refresh_card",
                f"update:{draft.id}:card:edited:{now.timestamp()}",
                now=now,
                update_id=draft.id,
            )
            session.commit()
        self.ctx.on_commit()


class SubscriptionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def subscribe(self, account_id: str, *, user: str) -> str:
        name = self.ctx.catalog.accounts[account_id].name
        with self.ctx.uow() as session:
            added = updates.subscribe(session, user, account_id, self.ctx.clock())
            session.commit()
        if not added:
            return f"You already follow {name}."
        return f"You now follow {name}: you are mentioned in its incident threads."

    def unsubscribe(self, account_id: str, *, user: str) -> str:
        name = self.ctx.catalog.accounts[account_id].name
        with self.ctx.uow() as session:
            removed = updates.unsubscribe(session, user, account_id)
            session.commit()
        return f"You no longer follow {name}." if removed else f"You did not follow {name}."

    def list(self, *, user: str) -> str:
        with self.ctx.uow() as session:
            ids = updates.subscriptions_of(session, user)
        if not ids:
            return "You follow no accounts. `/incident subscribe <account>` to start."
        accounts = self.ctx.catalog.accounts
        names = [accounts[i].name if i in accounts else i for i in ids]
        return "You follow: " + ", ".join(names)
