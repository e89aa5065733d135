"""Post-incident reviews, `/incident stats`, the periodic report's data and the review upload.

Facts are loaded from the store once per incident; every figure is computed by the pure
``app.reviews`` modules from them, so the review, stats, App Home and /metrics agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.errors import UsageError
from app.domain.refs import IncidentRef
from app.outbox import keys
from app.outbox.enqueue import enqueue
from app.outbox.kinds import Kind
from app.reviews import markdown
from app.reviews.facts import (
    AccountFact,
    EventFact,
    IncidentFacts,
    MitigationFact,
    PageFact,
    SignalFact,
    TickFact,
    UpdateFact,
)
from app.reviews.metrics import Aggregate, IncidentMetrics, aggregate, by_severity, by_tier, measure
from app.services.context import Context, assessment_of
from app.services.lookup import by_number, find_incident
from app.services.updates import draft_card
from app.services.views import incident_view
from app.store import incidents, paging, people, resolution
from app.store.models import Incident, IncidentEvent, StatusUpdate
from app.store.signal_timings import first_signal
from app.wording import refusals, replies

WINDOWS = {"7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}


def parse_window(text: str, default: str = "30d") -> tuple[str, timedelta]:
    word = text.strip().lower() or default
    if word not in WINDOWS:
        raise UsageError(
            refusals.unknown_window(word, WINDOWS),
            usage="`/incident stats [7d|30d|90d]`",
        )
    return word, WINDOWS[word]


def load_facts(session: Session, ctx: Context, incident: Incident) -> IncidentFacts:
    catalog = ctx.catalog
    try:
        severity = catalog.policy.severity(incident.severity)
        ack_within: timedelta | None = severity.ack_within
        label = severity.label
    except KeyError:
        ack_within, label = None, incident.severity
    events = session.scalars(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident.id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    drafts = list(
        session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.incident_id == incident.id)
            .order_by(StatusUpdate.id)
        )
    )
    resolutions = [d for d in drafts if d.kind == "resolution"]
    fields = resolutions[-1].fields if resolutions else {}
    ticks: dict[int, list[TickFact]] = {}
    for tick in resolution.ticks_of_incident(session, incident.id):
        ticks.setdefault(tick.thread_id, []).append(
            TickFact(tick.item, tick.ticked_by, tick.ticked_at)
        )
    threads = {t.account_id: t.id for t in resolution.threads_of(session, incident.id)}
    users = people.resolved_emails(session)
    # people configured by email read as the users Slack resolved them to
    accounts = []
    for account_id, tier in assessment_of(incident).accounts:
        account = catalog.accounts.get(account_id)
        try:
            keeps_thread = catalog.policy.tier_rule(tier).thread and not incident.private
        except KeyError:
            keeps_thread = False
        accounts.append(
            AccountFact(
                id=account_id,
                name=account.name if account else account_id,
                tier=tier,
                thread=bool(keeps_thread),
                ticks=tuple(ticks.get(threads.get(account_id, -1), [])),
            )
        )
    return IncidentFacts(
        ref=incident.ref,
        title=incident.title,
        severity=incident.severity,
        severity_label=label,
        private=incident.private,
        status=incident.status,
        summary=incident.summary,
        declared_at=incident.declared_at,
        declared_by=incident.declared_by,
        commander=incident.commander,
        resolved_at=incident.resolved_at,
        ack_within=ack_within,
        update_every=assessment_of(incident).update_every,
        fix=fields.get("fix"),
        residual_risk=fields.get("residual_risk"),
        customer_steps=fields.get("customer_steps"),
        events=tuple(EventFact(e.at, e.actor, e.kind, e.text, dict(e.data or {})) for e in events),
        pages=tuple(
            PageFact(
                person=p.user_id or p.person,
                paged_at=p.paged_at,
                acked_at=p.acked_at,
                acked_by=p.acked_by,
                stops_escalation=p.stops_escalation,
                reasons=tuple(p.reasons),
            )
            for p in paging.pages_of(session, incident.id)
        ),
        updates=tuple(
            UpdateFact(d.kind, d.drafted_at, d.state, d.decided_at, d.decided_by, d.sent_to)
            for d in drafts
        ),
        accounts=tuple(accounts),
        mitigations=tuple(
            MitigationFact(
                m.action,
                m.requested_by,
                m.requested_at,
                m.state,
                m.decided_by,
                m.decided_at,
                m.expires_at,
                m.renewals,
            )
            for m in incident.mitigations
        ),
        users=users,
        first_signal=_first_signal(session, incident),
    )


def _first_signal(session: Session, incident: Incident) -> SignalFact | None:
    record = first_signal(session, incident.id)
    if record is None:
        return None
    return SignalFact(record.first_at, record.source, record.service, record.summary)


class ReviewService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def review(self, which: IncidentRef | int) -> str:
        """The review Markdown; a bare number is an operator at the CLI (sees private ones)."""
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if isinstance(which, int):
                incident = by_number(session, which)
            else:
                incident = find_incident(session, which)
            facts = load_facts(session, self.ctx, incident)
        return markdown.review_markdown(facts, measure(facts, now=now))

    def upload(self, which: IncidentRef) -> str:
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = find_incident(session, which)
            facts = load_facts(session, self.ctx, incident)
            text = markdown.review_markdown(facts, measure(facts, now=now))
            event = incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="review_drafted",
            )
            session.flush()
            enqueue(
                session,
                incident,
                Kind.UPLOAD_REVIEW,
                keys.review(incident.id, event.id),
                now=now,
                filename=f"{incident.ref.lower()}-review.md",
                title=f"{incident.ref} post-incident review (draft {event.id})",
                content=text,
            )
            session.commit()
            ref = incident.ref
        self.ctx.on_commit()
        return replies.review_uploading(ref)

    def draft_customer(self, which: IncidentRef) -> str:
        """A customer-facing summary of the review, through the approval card."""
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = find_incident(session, which)
            if incident.private or not incident.customer_visible:
                raise UsageError(refusals.not_customer_facing(incident.ref))
            if incident.status != "resolved":
                raise UsageError(refusals.not_resolved_yet(incident.ref))
            facts = load_facts(session, self.ctx, incident)
            draft = StatusUpdate(
                incident_id=incident.id,
                kind="review",
                drafted_by=actor,
                drafted_at=now,
                fields={},
                customer_text=self.ctx.drafter.review_summary(
                    incident_view(incident, self.ctx.catalog), now=now, fix=facts.fix
                ),
                state="pending",
            )
            session.add(draft)
            session.flush()
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="review_summary_drafted",
                data={"update_id": draft.id},
            )
            draft_card(session, incident, draft, now)
            session.commit()
            ref = incident.ref
        self.ctx.on_commit()
        return replies.review_summary_drafted(ref)

    def metrics(self, *, since: datetime, private: bool = True) -> list[IncidentMetrics]:
        """Real incidents only: a drill rehearses the response, it does not measure it."""
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            rows = session.scalars(
                select(Incident)
                .where(Incident.declared_at >= since, Incident.drill.is_(False))
                .order_by(Incident.number)
            )
            return [
                measure(load_facts(session, self.ctx, row), now=now)
                for row in rows
                if private or not row.private
            ]

    def grouped(
        self, rows: list[IncidentMetrics]
    ) -> tuple[Aggregate, list[Aggregate], list[Aggregate]]:
        order = [s.id for s in self.ctx.catalog.policy.severities]
        return aggregate("All", rows), by_severity(rows, order), by_tier(rows)

    def stats(self, window_text: str) -> str:
        """Anyone may ask, so private incidents are left out: their numbers would tell that
        they exist (README "Metrics")."""
        window, span = parse_window(window_text)
        rows = self.metrics(since=self.ctx.clock() - span, private=False)
        return markdown.stats_text(window, *self.grouped(rows))
