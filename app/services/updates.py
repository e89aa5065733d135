"""Status updates (SPEC 5.3, 5.4).

`/incident update` posts the internal brief at once and drafts the customer text for approval;
deciding the draft is ``approvals.DraftDecisions``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import UsageError
from app.domain.text import escape
from app.domain.updates import UpdateInput, check_transition
from app.outbox import keys
from app.outbox.enqueue import enqueue, enqueue_refresh
from app.outbox.kinds import Kind
from app.routing.severity import needs_initial_notice
from app.services import cadence, rights
from app.services.approvals import DraftDecisions
from app.services.context import Context
from app.services.threads import refresh_threads
from app.services.views import incident_view
from app.store import incidents
from app.store.models import Incident, OutboxItem, StatusUpdate


def _fields(update: UpdateInput) -> dict[str, str | None]:
    return {
        name: (str(value) if value is not None else None) for name, value in asdict(update).items()
    }


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
        Kind.POST_APPROVAL_CARD,
        keys.update_card(draft.id),
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
        Kind.POST_INTERNAL_BRIEF,
        keys.internal_brief(draft.id),
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
    if not needs_initial_notice(
        ctx.catalog.policy,
        incident.severity,
        customer_visible=incident.customer_visible,
        private=incident.private,
    ):
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


class UpdateService(DraftDecisions):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.drafter = ctx.drafter

    def post(
        self, update: UpdateInput, *, actor: str, number: int | None, channel: str | None
    ) -> str:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = rights.act_on(
                session, self.ctx, actor, number, channel, "post an update for"
            )
            if incident.status == "resolved":
                raise UsageError(f"{incident.ref} is resolved; `/incident reopen` it first.")
            moved = bool(update.status) and update.status != incident.status
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
            if moved:
                refresh_threads(session, incident, key=f"update:{draft.id}", now=now)
            session.commit()
        self.ctx.on_commit()
        return f"Update for {incident.ref} posted; the customer draft waits for approval."
