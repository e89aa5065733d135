"""Paging and escalating (SPEC 5.2): what declaring, re-routing, timers and the page commands
share. The commands themselves (page, ack, escalate) are ``page_commands.PagingService``.

Each page is a row (one per person per incident, so nobody is paged twice for the same
incident) plus outbox items for its DM and, when configured, PagerDuty. Escalation is a durable
timer per incident that an acknowledgement from a responder cancels.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import UsageError
from app.domain.people import is_user_id
from app.outbox import keys
from app.outbox.enqueue import channel_item, enqueue, notice
from app.outbox.kinds import Kind
from app.routing.targets import Routing, escalation_delay, escalation_targets
from app.routing.why import unacknowledged, with_reason
from app.services.context import Context
from app.services.home_refresh import enqueue_home
from app.services.identities import unpaged
from app.services.informing import inform
from app.store import incidents, paging
from app.store.models import Incident, OutboxItem, Page
from app.wording import notices, refusals

ESCALATION = "escalation"
DECLARED = "declared"
"""The source of the pages a declaration sends."""


def severity_rank(ctx: Context, severity: str) -> int:
    """0 for the most severe: the outbox priority of the incident's pages and opening."""
    ids = [level.id for level in ctx.catalog.policy.severities]
    return ids.index(severity) if severity in ids else len(ids)


def send_pages(
    session: Session,
    ctx: Context,
    incident: Incident,
    routing: Routing,
    *,
    source: str,
    actor: str | None,
    now: datetime,
    after: OutboxItem | None = None,
) -> list[Page]:
    """Page everyone in ``routing`` not already paged for this incident; say so in its channel.
    The channel's items wait on ``after`` (the channel's item unless given; a declaration gives
    the brief, so that it comes first there). A declaration's pages are its first: none is
    stored to be read (a statement less in the declaration's transaction), and the declaration
    republishes the Homes of the people paged with those of everyone who sees it.

    The DMs go out at once, most severe incidents first, whether or not the channel exists
    yet; one that went out before the channel is edited to link it (``page_link``)."""
    rank = severity_rank(ctx, incident.severity)
    channel = after or channel_item(session, incident)
    existing = [] if source == DECLARED else paging.pages_of(session, incident.id)
    already = {page.person for page in existing}
    pages = paging.add_pages(
        session,
        [
            {
                "incident_id": incident.id,
                "person": target.person,
                "user_id": target.person if is_user_id(target.person) else None,
                "roles": list(target.roles),
                "reasons": list(target.reasons),
                "stops_escalation": target.stops_escalation,
                "source": source,
                "paged_by": actor,
                "paged_at": now,
            }
            for target in unpaged(session, existing, routing.targets)
        ],
    )
    for page in pages:
        enqueue(
            session,
            incident,
            Kind.PAGE_DM,
            keys.page_dm(page.id),
            now=now,
            priority=rank,
            page_id=page.id,
        )
        if channel is not None:
            enqueue(
                session,
                incident,
                Kind.PAGE_LINK,
                keys.page_link(page.id),
                now=now,
                after=channel,
                page_id=page.id,
            )
        if ctx.catalog.policy.pagerduty is not None:
            enqueue(
                session,
                incident,
                Kind.PAGERDUTY_TRIGGER,
                keys.pagerduty_trigger(page.id),
                now=now,
                page_id=page.id,
            )
    incidents.record_all(
        session,
        incident,
        at=now,
        actor=actor,
        kind="paged",
        data=[
            {"page_id": p.id, "person": p.person, "source": source, "reasons": list(p.reasons)}
            for p in pages
        ],
    )
    lines = [notices.paged_line(p.person, p.reasons) for p in pages]
    lines += inform(
        session, incident, routing, paged=already | set(routing.people), now=now, after=after
    )
    lines += [notices.routing_note_line(note) for note in routing.notes]
    if lines:
        key = f"pages:{pages[0].id}" if pages else f"notes:{source}:{now.timestamp()}"
        notice(
            session,
            incident,
            notices.paging(incident.ref, source, lines, paged=bool(pages)),
            key=key,
            now=now,
            after=after,
        )
    if source != DECLARED:  # a declaration republishes their Homes with everyone else's
        enqueue_home(session, [p.person for p in pages], key=f"paged:{incident.id}", now=now)
    if pages:
        enqueue(
            session,
            incident,
            Kind.INVITE,
            keys.invite_paged(incident.id, pages[0].id),
            now=now,
            after=after,
            users=[p.person for p in pages],
        )
    return pages


def schedule_escalation(session: Session, ctx: Context, incident: Incident, now: datetime) -> None:
    """The next level fires its ``after`` past the latest page, unless someone acknowledged."""
    if not responder_acknowledged(session, incident):
        escalation_timer(session, ctx, incident, now)


def escalation_timer(session: Session, ctx: Context, incident: Incident, now: datetime) -> None:
    """The next level's timer, if there is one; as such for an incident being declared, which
    nobody can have acknowledged yet."""
    levels = ctx.catalog.policy.escalation
    level = incident.escalation_level
    if level >= len(levels):
        return
    delay = escalation_delay(ctx.catalog.policy, incident.severity, level)
    paging.schedule(
        session,
        incident_id=incident.id,
        due={ESCALATION: now + delay},
        now=now,
        data={"level": level},
    )


def responder_acknowledged(session: Session, incident: Incident) -> bool:
    """Whether a page that stops escalation (not a liaison's) was acknowledged."""
    return any(
        page.acked_at is not None and page.stops_escalation
        for page in paging.pages_of(session, incident.id)
    )


def escalate(
    session: Session,
    ctx: Context,
    incident: Incident,
    *,
    actor: str | None,
    reason: str,
    now: datetime,
) -> str:
    """Fire the next escalation level now; returns what was done, for the caller to show."""
    levels = ctx.catalog.policy.escalation
    level = incident.escalation_level
    if level >= len(levels):
        raise UsageError(refusals.escalated_through_all(incident.ref, len(levels)))
    paging.cancel(session, incident.id, ESCALATION)
    routing = escalation_targets(
        ctx.catalog, ctx.impact(incident), level, now, private=incident.private
    )
    routing = with_reason(routing, unacknowledged(paging.pages_of(session, incident.id), now))
    incident.escalation_level = level + 1
    incidents.record(
        session,
        incident,
        at=now,
        actor=actor,
        kind="escalated",
        data={"level": level + 1, "reason": reason},
    )
    pages = send_pages(
        session, ctx, incident, routing, source=f"escalation {level + 1}", actor=actor, now=now
    )
    summary = notices.escalation_summary(
        incident.ref, level + 1, reason, actor, paged_anyone=bool(pages)
    )
    notice(session, incident, notices.escalation(summary), key=f"escalation:{level + 1}", now=now)
    schedule_escalation(session, ctx, incident, now)
    return summary
