"""Declaring from a triage card, by a rule, a pattern or a person; and dismissing one.

The declaration's request key is the card's, so two workers (or a pattern racing a person)
declaring one card make one incident.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.declaration import MAX_TITLE, Declaration
from app.domain.text import escape
from app.routing.oncall import on_call_at
from app.services.context import Context
from app.services.declare import declare
from app.services.signal_cards import enqueue_card
from app.services.signal_commander import PROVISIONAL
from app.signals import patterns
from app.store import incidents, signals
from app.store.models import Incident
from app.store.signal_models import TriageCard

BEACON = "Beacon"


def declaration_of(session: Session, ctx: Context, card: TriageCard) -> Declaration:
    """What the card would declare: its service, severity and signals (also the form's prefill)."""
    records = signals.signals_of(session, card.id)
    service = ctx.catalog.services.get(card.service)
    name = service.name if service else card.service
    first = records[0].summary if records else "signals"
    services = [card.service] if service else []
    accounts = sorted({r.account for r in records if r.account in ctx.catalog.accounts})
    summary = "\n".join(f"{r.service}: {r.summary} ({r.status})" for r in records[:10])
    return Declaration(
        title=f"{name}: {first}"[:MAX_TITLE],
        severity=card.severity,
        services=tuple(services),
        accounts=tuple(a for a in accounts if a),
        summary=summary,
    )


def provisional_commander(ctx: Context, service_id: str) -> str:
    """The on-call of the service's team until a responder takes command; else an approver."""
    catalog = ctx.catalog
    service = catalog.services.get(service_id)
    team = catalog.teams.get(service.team) if service else None
    if team is not None and team.oncall is not None and team.oncall.rotation:
        return on_call_at(team.oncall, ctx.clock()).primary
    if team is not None and team.manager:
        return team.manager
    policy = catalog.policy.workspace
    return (policy.approvers or policy.execs or ("",))[0]


def declare_card(ctx: Context, card_id: int, *, reason: str, actor: str | None) -> str | None:
    """Declares the card's incident (``actor`` None: Beacon did, for ``reason``); its ref."""
    with ctx.uow() as session:
        card = session.get(TriageCard, card_id)
        if card is None or card.state == "dismissed":
            return None
        if card.incident_id is not None:
            return session.get_one(Incident, card.incident_id).ref
        declaration = declaration_of(session, ctx, card)
        commander = actor or provisional_commander(ctx, card.service)
    key = f"signal-card:{card_id}"
    try:
        number = declare(ctx, declaration=declaration, actor=commander, request_key=key).number
    except IntegrityError:  # another worker declared this card at the same moment
        with ctx.uow() as session:
            existing = incidents.by_request_key(session, key)
            if existing is None:
                raise
            number = existing.number
    link_card(ctx, card_id, number, reason=reason, actor=actor, provisional=commander)
    return f"INC-{number}"


def link_card(
    ctx: Context,
    card_id: int,
    number: int,
    *,
    reason: str,
    actor: str | None,
    provisional: str | None = None,
) -> None:
    """The card is decided: its incident, why, by whom (None: Beacon); its signals join it."""
    now = ctx.clock()
    with ctx.uow() as session:
        card = session.get(TriageCard, card_id)
        incident = incidents.by_number(session, number)
        if card is None or incident is None or not signals.claim(session, card_id, "declared"):
            return
        session.refresh(card)
        card.incident_id, card.pending = incident.id, None
        card.reason, card.decided_by, card.decided_at = reason, actor, now
        for record in signals.signals_of(session, card_id):
            record.incident_id = incident.id
        who = f"<@{actor}>" if actor else BEACON
        incidents.record(
            session,
            incident,
            at=now,
            actor=actor,
            kind="signal_declared",
            text=f"Declared by {who} from signals: {escape(reason)}",
            data={
                "card": card_id,
                "reason": reason,
                "first_signal_at": card.opened_at.isoformat(),
                **({PROVISIONAL: provisional} if actor is None and provisional else {}),
            },
        )
        enqueue_card(session, card, now)
        session.commit()
    ctx.on_commit()


def dismiss_card(ctx: Context, card_id: int, *, actor: str, reason: str) -> bool:
    """Dismissed with a reason, audited; False when the card was already decided."""
    now = ctx.clock()
    with ctx.uow() as session:
        if not signals.claim(session, card_id, "dismissed"):
            return False
        card = session.get_one(TriageCard, card_id)
        card.reason, card.decided_by, card.decided_at = reason, actor, now
        incidents.record(
            session,
            None,
            at=now,
            actor=actor,
            kind="signal_dismissed",
            text=f"Triage card on {escape(card.service)} dismissed: {escape(reason)}",
            data={"card": card_id, "reason": reason},
        )
        enqueue_card(session, card, now)
        session.commit()
    ctx.on_commit()
    return True


def fire_sustained(ctx: Context) -> int:
    """Cards whose ``sustained`` time came with a signal still firing are declared; once. Also
    declares what a rule or pattern decided when the process died before it could."""
    config = ctx.catalog.policy.signals
    now = ctx.clock()
    with ctx.uow() as session:
        due = signals.sustained_due(session, now)
        pending = signals.pending_declarations(session)
    fired = 0
    for card_id, reason in pending:
        fired += declare_card(ctx, card_id, reason=reason, actor=None) is not None
    for card_id in due:
        with ctx.uow() as session:
            card = session.get_one(TriageCard, card_id)
            firing = any(r.status == "firing" for r in signals.signals_of(session, card_id))
            if not firing or config is None:
                card.sustained_due = None
                session.commit()
                continue
        if declare_card(ctx, card_id, reason=patterns.sustained(config), actor=None):
            fired += 1
    return fired
