"""Deciding customer-facing drafts: Approve & send, Edit, Reject (SPEC 5.3, 5.10).

Approval is a guarded state change (pending → approved, at the version the approver saw)
written with all its deliveries in one transaction: one reply per account thread, the
announcement, each webhook. An edit is a guarded change too (pending, at the version the editor
opened), so an edit saved while Approve is pressed either lands first (the approval of the older
version is then refused as stale) or is refused because the draft was decided: what is sent is
always exactly what the approver saw, and a second click, a retry or a crash never sends twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import UsageError
from app.domain.rights import may_decide_words, may_edit_words
from app.outbox import keys
from app.outbox.enqueue import enqueue
from app.outbox.kinds import Kind
from app.publishing.notify import enqueue_emails
from app.services import rights
from app.services.context import Context
from app.services.threads import open_thread, thread_targets
from app.store import incidents, updates
from app.store.models import Incident, StatusUpdate
from app.wording import notices, refusals


@dataclass(frozen=True)
class Decision:
    ref: str
    state: str
    by: str
    sent_to: int
    new: bool
    """False when someone had already decided; the reply then says who and when."""


def _decided(draft: StatusUpdate) -> str:
    return refusals.already_decided(draft.state, draft.decided_by)


class DraftDecisions:
    ctx: Context

    def _draft(self, session: Session, update_id: int) -> tuple[StatusUpdate, Incident]:
        draft = session.get(StatusUpdate, update_id)
        if draft is None:
            raise UsageError(refusals.gone("draft"))
        return draft, incidents.locked_for(session, draft)

    def _check(
        self, session: Session, incident: Incident, actor: str, verb: str, edit_of: str | None
    ) -> None:
        """The right to decide (or, for an edit, to edit) the customer words of ``incident``."""
        standing = rights.standing(session, self.ctx, incident)
        roster = rights.roster(session, self.ctx)
        if verb == "edit":
            verdict = may_edit_words(actor, standing, roster, edit_of)
        else:
            verdict = may_decide_words(actor, standing, roster)
        what = f"{verb} customer updates for {incident.ref}"
        rights.check(session, self.ctx, incident, actor, verdict, what, kind="approval_refused")

    def _take_decision(
        self,
        session: Session,
        update_id: int,
        *,
        actor: str,
        state: str,
        reason: str | None,
        version: int | None,
        now: datetime,
    ) -> tuple[StatusUpdate, Incident, Decision | None]:
        """Check the right to decide, then decide once: a draft already decided (a second
        click, a retried request) comes back with that earlier decision instead; one edited
        since ``version`` was shown is refused."""
        draft, incident = self._draft(session, update_id)
        self._check(session, incident, actor, "approve" if state == "approved" else "reject", None)
        if updates.decide(
            session, draft.id, state=state, by=actor, at=now, reason=reason, version=version
        ):
            return draft, incident, None
        session.refresh(draft)
        if draft.state == "pending":
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="approval_stale",
                data={"update_id": draft.id, "seen": version, "current": draft.version},
            )
            session.commit()
            raise UsageError(refusals.approved_a_stale_version(version, draft.version))
        earlier = Decision(incident.ref, draft.state, draft.decided_by or "", draft.sent_to, False)
        return draft, incident, earlier

    def approve(self, update_id: int, *, actor: str, version: int) -> Decision:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            draft, incident, earlier = self._take_decision(
                session,
                update_id,
                actor=actor,
                state="approved",
                reason=None,
                version=version,
                now=now,
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
                data={"update_id": draft.id, "version": draft.version, "sent_to": draft.sent_to},
            )
            enqueue(
                session,
                incident,
                Kind.REFRESH_CARD,
                keys.update_card(draft.id, "approved"),
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
                Kind.THREAD_REPLY,
                keys.thread_reply(thread.id, draft.id),
                now=now,
                after=open_thread(session, incident, thread, now),
                thread_id=thread.id,
                update_id=draft.id,
            )
        for index, _webhook in enumerate(policy.webhooks):
            enqueue(
                session,
                incident,
                Kind.WEBHOOK,
                keys.webhook(draft.id, index),
                now=now,
                update_id=draft.id,
                webhook=index,
            )
        enqueue_emails(session, self.ctx.catalog, incident, draft, now)
        enqueue(
            session,
            incident,
            Kind.REFRESH_ANNOUNCEMENT,
            keys.refresh(incident.id, Kind.REFRESH_ANNOUNCEMENT, f"update:{draft.id}:approved"),
            now=now,
        )
        return len(threads)

    def reject(self, update_id: int, *, actor: str, reason: str) -> Decision:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            draft, incident, earlier = self._take_decision(
                session,
                update_id,
                actor=actor,
                state="rejected",
                reason=reason,
                version=None,
                now=now,
            )
            if earlier is not None:
                return earlier
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="rejected",
                data={"update_id": draft.id, "reason": reason},
            )
            enqueue(
                session,
                incident,
                Kind.REFRESH_CARD,
                keys.update_card(draft.id, "rejected"),
                now=now,
                update_id=draft.id,
            )
            enqueue(
                session,
                incident,
                Kind.POST_NOTICE,
                keys.rejected_notice(draft.id),
                now=now,
                text=notices.draft_rejected(draft.drafted_by, actor, reason),
            )
            session.commit()
        self.ctx.on_commit()
        return Decision(incident.ref, "rejected", actor, 0, True)

    def check_decision(self, update_id: int, *, actor: str, verb: str) -> None:
        """Raise the refusal ``actor`` would meet deciding (``verb``) this draft, so a form
        answers before it opens or in its ack rather than after it closed."""
        with self.ctx.uow() as session:
            draft, incident = self._draft(session, update_id)
            self._check(session, incident, actor, verb, draft.drafted_by)

    def draft_text(self, update_id: int, *, actor: str) -> tuple[str, int]:
        """The text an editor starts from and its version; refused once the draft is decided."""
        with self.ctx.uow() as session:
            draft, incident = self._draft(session, update_id)
            self._check(session, incident, actor, "edit", draft.drafted_by)
            if draft.state != "pending":
                raise UsageError(f"{_decided(draft)}; it can no longer be edited.")
            return draft.customer_text, draft.version

    def edit(self, update_id: int, *, actor: str, text: str, version: int) -> str:
        """Save an edit of ``version``; refused (nothing saved) if the draft was decided or
        edited by someone else meanwhile. Returns the incident's ref."""
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            draft, incident = self._draft(session, update_id)
            self._check(session, incident, actor, "edit", draft.drafted_by)
            if not updates.revise(session, draft.id, text=text.strip(), by=actor, seen=version):
                session.refresh(draft)
                if draft.state != "pending":
                    raise UsageError(f"{_decided(draft)}; your edit was not saved.")
                raise UsageError(refusals.edited_meanwhile(draft.version))
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="draft_edited",
                data={"update_id": draft.id, "version": version + 1},
            )
            enqueue(
                session,
                incident,
                Kind.REFRESH_CARD,
                keys.update_card(draft.id, f"edited:{version + 1}"),
                now=now,
                update_id=draft.id,
            )
            session.commit()
        self.ctx.on_commit()
        return incident.ref
