"""Paging, acknowledging and escalating (SPEC 5.2).

Each page is a row (one per person per incident, so nobody is paged twice for the same
incident) plus outbox items for its DM and, when configured, PagerDuty. Escalation is a durable
timer per incident that an acknowledgement from a responder cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import Forbidden, UsageError
from app.domain.people import is_user_id, mention
from app.domain.targets import PageRequest
from app.domain.text import escape
from app.outbox import keys
from app.outbox.enqueue import channel_item, enqueue, notice
from app.outbox.kinds import Kind
from app.routing.targets import (
    PageTarget,
    Routing,
    escalation_delay,
    escalation_targets,
    service_targets,
    team_targets,
)
from app.routing.why import unacknowledged, with_reason
from app.services import rights, signal_commander
from app.services.context import Context
from app.services.home_refresh import enqueue_home
from app.services.identities import unpaged
from app.services.informing import inform
from app.services.lookup import find_incident
from app.store import incidents, outbox, paging
from app.store.models import Incident, OutboxItem, Page

ESCALATION = "escalation"


def severity_rank(ctx: Context, severity: str) -> int:
    """0 for the most severe: the outbox priority of the incident's pages and opening."""
    ids = [level.id for level in ctx.catalog.policy.severities]
    return ids.index(severity) if severity in ids else len(ids)


@dataclass(frozen=True)
class Acknowledged:
    ref: str
    count: int
    escalation_stopped: bool


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
    notice_after: OutboxItem | None = None,
) -> list[Page]:
    """Page everyone in ``routing`` not already paged for this incident; say so in its channel
    (after ``notice_after`` if given, e.g. the brief, so that it comes first there).

    The DMs go out at once, most severe incidents first, whether or not the channel exists
    yet; one that went out before the channel is edited to link it (``page_link``)."""
    rank = severity_rank(ctx, incident.severity)
    channel = after or channel_item(session, incident)
    pages: list[Page] = []
    already = {page.person for page in paging.pages_of(session, incident.id)}
    for target in unpaged(session, incident.id, routing.targets):
        page = Page(
            incident_id=incident.id,
            person=target.person,
            user_id=target.person if is_user_id(target.person) else None,
            roles=list(target.roles),
            reasons=list(target.reasons),
            stops_escalation=target.stops_escalation,
            source=source,
            paged_by=actor,
            paged_at=now,
        )
        session.add(page)
        session.flush()
        pages.append(page)
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
        incidents.record(
            session,
            incident,
            at=now,
            actor=actor,
            kind="paged",
            text=f"Paged {mention(page.person)} ({'; '.join(page.reasons)}) [{source}]",
            data={"page_id": page.id, "person": page.person, "source": source},
        )
    lines = [f"• {mention(p.person)}: {', '.join(p.reasons)}" for p in pages]
    lines += inform(
        session, incident, routing, paged=already | set(routing.people), now=now, after=after
    )
    lines += [f"• :warning: {note}" for note in routing.notes]
    if lines:
        key = f"pages:{pages[0].id}" if pages else f"notes:{source}:{now.timestamp()}"
        heading = f":pager: *Paging for {incident.ref}* ({source})" if pages else ":pager: *Paging*"
        notice(
            session,
            incident,
            "\n".join([heading, *lines]),
            key=key,
            now=now,
            after=notice_after or after,
        )
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
    """The next level fires its ``after`` past the latest page, unless someone acknowledges."""
    levels = ctx.catalog.policy.escalation
    level = incident.escalation_level
    if level >= len(levels) or responder_acknowledged(session, incident):
        return
    delay = escalation_delay(ctx.catalog.policy, incident.severity, level)
    paging.schedule(
        session,
        incident_id=incident.id,
        kind=ESCALATION,
        due_at=now + delay,
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
        raise UsageError(
            f"{incident.ref} has already been escalated through all {len(levels)} level(s)."
        )
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
        text=f"Escalated to level {level + 1}: {reason}",
        data={"level": level + 1},
    )
    pages = send_pages(
        session, ctx, incident, routing, source=f"escalation {level + 1}", actor=actor, now=now
    )
    summary = f"Escalation level {level + 1} for {incident.ref} ({reason})"
    if not pages:
        summary += ": everyone it names was already paged; still waiting for an acknowledgement"
    notice(
        session, incident, f":rotating_light: {summary}.", key=f"escalation:{level + 1}", now=now
    )
    schedule_escalation(session, ctx, incident, now)
    return summary


ServiceNamer = Callable[..., list[Page]]
"""``name_service(session, ctx, incident, service_id, *, actor, now)``: re-routes with the
service named (app/services/reroute.py, handed over by bootstrap)."""


class PagingService:
    def __init__(self, ctx: Context, *, name_service: ServiceNamer) -> None:
        self.ctx = ctx
        self.name_service = name_service

    def acknowledge(
        self,
        *,
        user: str,
        page_id: int | None = None,
        number: int | None = None,
        channel: str | None = None,
    ) -> Acknowledged:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if page_id is not None:
                page = session.get(Page, page_id)
                if page is None:
                    raise UsageError("That page no longer exists.")
                incident = session.get_one(Incident, page.incident_id)
                if user not in {page.user_id, page.person}:
                    incidents.record(
                        session,
                        incident,
                        at=now,
                        actor=user,
                        kind="ack_refused",
                        text=f"{mention(user)} tried to acknowledge the page of"
                        f" {mention(page.person)}",
                    )
                    session.commit()
                    raise Forbidden(
                        f"This page was sent to {mention(page.person)}; only they can"
                        " acknowledge it. Use `/incident ack` for your own pages."
                    )
                pages = [page] if page.acked_at is None else []
                if not pages:
                    return Acknowledged(incident.ref, 0, False)
            else:
                incident = find_incident(session, number=number, channel=channel, viewer=user)
                pages = [
                    p for p in paging.open_pages_of(session, user) if p.incident_id == incident.id
                ]
                if not pages:
                    raise UsageError(f"You have no unacknowledged page for {incident.ref}.")
            for page in pages:
                page.acked_at, page.acked_by = now, user
                incidents.record(
                    session,
                    incident,
                    at=now,
                    actor=user,
                    kind="acknowledged",
                    text=f"{mention(user)} acknowledged ({', '.join(page.reasons)})",
                    data={"page_id": page.id},
                )
                dm = outbox.by_key(session, keys.page_dm(page.id))
                enqueue(
                    session,
                    incident,
                    Kind.PAGE_ACKED,
                    keys.page_acked(page.id),
                    now=now,
                    after=dm,
                    page_id=page.id,
                )
            enqueue_home(session, [user], key=f"ack:{pages[0].id}", now=now)
            signal_commander.first_ack(session, incident, pages, now)
            stopped = any(page.stops_escalation for page in pages)
            if stopped and paging.cancel(session, incident.id, ESCALATION):
                notice(
                    session,
                    incident,
                    f":white_check_mark: {mention(user)} acknowledged; escalation stopped.",
                    key=f"ack:{pages[0].id}",
                    now=now,
                )
            session.commit()
        self.ctx.on_commit()
        return Acknowledged(incident.ref, len(pages), stopped)

    def escalate_now(
        self, *, actor: str, reason: str, number: int | None, channel: str | None
    ) -> str | None:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, actor, number, channel, "escalate")
            summary = escalate(
                session,
                self.ctx,
                incident,
                actor=actor,
                reason=escape(reason) if reason else f"requested by {mention(actor)}",
                now=now,
            )
            session.commit()
        self.ctx.on_commit()
        return None if channel and channel == incident.channel_id else summary  # the notice says it

    def page(
        self, request: PageRequest, *, actor: str, number: int | None, channel: str | None
    ) -> str:
        now = self.ctx.clock()
        catalog = self.ctx.catalog
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, actor, number, channel, "page for")
            rerouted = []
            if request.kind == "service":
                rerouted = self.name_service(
                    session, self.ctx, incident, request.id, actor=actor, now=now
                )
            if request.kind == "team":
                routing = team_targets(catalog, request.id, now)
            elif request.kind == "service":
                routing = service_targets(catalog, request.id, now)
            elif request.kind == "usergroup":
                if not request.members:
                    raise UsageError(f"{escape(request.label)} has nobody in it to page.")
                why = (f"in {escape(request.label)}", f"paged by {mention(actor)}")
                people = dict.fromkeys(request.members)
                routing = Routing(tuple(PageTarget(p, ("user",), why, True) for p in people))
            else:
                target = PageTarget(request.id, ("user",), (f"paged by {mention(actor)}",), True)
                routing = Routing((target,))
            fresh = unpaged(session, incident.id, routing.targets)
            if routing.targets and not rerouted and not fresh:
                named = ", ".join(mention(t.person) for t in routing.targets)
                raise UsageError(f"{named} already paged for {incident.ref}.")
            pages = rerouted + send_pages(
                session, self.ctx, incident, routing, source="manual", actor=actor, now=now
            )
            if pages:
                schedule_escalation(session, self.ctx, incident, now)
            session.commit()
        self.ctx.on_commit()
        if not pages:
            return "Nobody to page: " + "; ".join(routing.notes)
        return f"Paged {', '.join(mention(p.person) for p in pages)} for {incident.ref}."
