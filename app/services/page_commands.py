"""The page commands (SPEC 5.2): `/incident page`, `/incident ack` (and the page's Acknowledge
button), `/incident escalate`. What they share with declaring and timers is ``paging``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import Forbidden, UsageError
from app.domain.people import mention
from app.domain.refs import IncidentRef
from app.domain.targets import PageRequest
from app.domain.text import escape
from app.outbox import keys
from app.outbox.enqueue import enqueue, notice
from app.outbox.kinds import Kind
from app.routing.targets import PageTarget, Routing, service_targets, team_targets
from app.services import rights, signal_commander
from app.services.context import Context
from app.services.home_refresh import enqueue_home
from app.services.identities import unpaged
from app.services.lookup import find_incident
from app.services.paging import ESCALATION, escalate, schedule_escalation, send_pages
from app.store import incidents, outbox, paging
from app.store.models import Incident, Page
from app.wording import notices, refusals, replies


@dataclass(frozen=True)
class Acknowledged:
    ref: str
    count: int
    escalation_stopped: bool


ServiceNamer = Callable[..., list[Page]]
"""``name_service(session, ctx, incident, service_id, *, actor, now)``: re-routes with the
service named (app/services/reroute.py, handed over by bootstrap)."""


def _pressed(
    session: Session, user: str, page_id: int, now: datetime
) -> tuple[Incident, list[Page]]:
    """The page whose button ``user`` pressed: only the person it was sent to may acknowledge
    it (a refusal is audited); none when it is already acknowledged. The incident is locked
    before the page is changed (``app.store.incidents`` says why), and the page read again."""
    page = session.get(Page, page_id)
    if page is None:
        raise UsageError(refusals.gone("page"))
    incident = incidents.locked_for(session, page)
    if user not in {page.user_id, page.person}:
        incidents.record(
            session,
            incident,
            at=now,
            actor=user,
            kind="ack_refused",
            data={"page_id": page.id, "person": page.person},
        )
        session.commit()
        raise Forbidden(refusals.not_your_page(page.person))
    return incident, [page] if page.acked_at is None else []


class PagingService:
    def __init__(self, ctx: Context, *, name_service: ServiceNamer) -> None:
        self.ctx = ctx
        self.name_service = name_service

    def acknowledge(self, which: IncidentRef, *, page_id: int | None = None) -> Acknowledged:
        """``page_id``: the page whose button was pressed; without it, every page of the actor's
        still open for the incident ``which`` names."""
        now = self.ctx.clock()
        user = which.actor
        with self.ctx.uow() as session:
            if page_id is not None:
                incident, pages = _pressed(session, user, page_id, now)
                if not pages:
                    return Acknowledged(incident.ref, 0, False)
            else:
                incident = find_incident(session, which, lock=True)
                pages = [
                    p for p in paging.open_pages_of(session, user) if p.incident_id == incident.id
                ]
                if not pages:
                    raise UsageError(refusals.no_page_to_acknowledge(incident.ref))
            for page in pages:
                page.acked_at, page.acked_by = now, user
                incidents.record(
                    session,
                    incident,
                    at=now,
                    actor=user,
                    kind="acknowledged",
                    data={"page_id": page.id, "reasons": list(page.reasons)},
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
                    notices.escalation_stopped(user),
                    key=f"ack:{pages[0].id}",
                    now=now,
                )
            session.commit()
        self.ctx.on_commit()
        return Acknowledged(incident.ref, len(pages), stopped)

    def escalate_now(self, which: IncidentRef, *, reason: str) -> str | None:
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, which, "escalate")
            summary = escalate(
                session,
                self.ctx,
                incident,
                actor=actor,
                reason=reason,
                now=now,
            )
            session.commit()
        self.ctx.on_commit()
        in_channel = which.channel and which.channel == incident.channel_id
        return None if in_channel else summary  # in its channel, the notice says it

    def page(self, which: IncidentRef, request: PageRequest) -> str:
        now = self.ctx.clock()
        catalog = self.ctx.catalog
        actor = which.actor
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, which, "page for")
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
                    raise UsageError(refusals.nobody_in(request.label))
                why = (f"in {escape(request.label)}", f"paged by {mention(actor)}")
                people = dict.fromkeys(request.members)
                routing = Routing(tuple(PageTarget(p, ("user",), why, True) for p in people))
            else:
                target = PageTarget(request.id, ("user",), (f"paged by {mention(actor)}",), True)
                routing = Routing((target,))
            fresh = unpaged(session, paging.pages_of(session, incident.id), routing.targets)
            if routing.targets and not rerouted and not fresh:
                raise UsageError(
                    refusals.already_paged([t.person for t in routing.targets], incident.ref)
                )
            pages = rerouted + send_pages(
                session, self.ctx, incident, routing, source="manual", actor=actor, now=now
            )
            if pages:
                schedule_escalation(session, self.ctx, incident, now)
            session.commit()
        self.ctx.on_commit()
        if not pages:
            return replies.nobody_to_page(routing.notes)
        return replies.paged([p.person for p in pages], incident.ref)
