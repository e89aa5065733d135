"""Feeds the triage card's decision right (``app.domain.rights.may_triage``) from the stored
card and the configuration, and turns a refusal into an audited, ephemeral answer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.catalog.models import Person
from app.domain.errors import Forbidden
from app.domain.people import mention
from app.domain.rights import CardStanding, may_triage
from app.domain.text import escape
from app.routing.oncall import on_call_at
from app.services.context import Context
from app.services.identities import person_ids
from app.services.rights import roster
from app.services.signal_cards import would_page
from app.store import incidents, signals
from app.store.signal_models import TriageCard


def card_standing(session: Session, ctx: Context, card: TriageCard) -> CardStanding:
    catalog = ctx.catalog
    person_id = person_ids(session)
    named = {card.service, *(record.service for record in signals.signals_of(session, card.id))}
    teams = {catalog.services[s].team for s in named if s in catalog.services}
    owners: list[Person] = []
    for team in (catalog.teams[t] for t in sorted(teams) if t in catalog.teams):
        if team.manager:
            owners.append(team.manager)
        if team.oncall is not None and team.oncall.rotation:
            shift = on_call_at(team.oncall, ctx.clock())
            owners += [*team.oncall.rotation, shift.primary, *filter(None, [shift.secondary])]
    service = catalog.services.get(card.service)
    _, routing = would_page(ctx, card)
    return CardStanding(
        service=escape(service.name if service else card.service),
        owners=frozenset(map(person_id, owners)),
        paged=frozenset(map(person_id, routing.people)),
    )


def check_triage(session: Session, ctx: Context, card: TriageCard, actor: str, what: str) -> None:
    """Raise the refusal to ``what`` (e.g. "dismiss"), after recording it on the audit log,
    unless ``actor`` may decide the card."""
    standing = card_standing(session, ctx, card)
    verdict = may_triage(actor, standing, roster(session, ctx))
    if verdict.allowed:
        return
    doing = f"{what} the triage card on {standing.service}"
    incidents.record(
        session,
        None,
        at=ctx.clock(),
        actor=actor,
        kind="refused",
        text=f"Refused: {mention(actor)} may not {doing}",
        data={"what": doing, "card": card.id},
    )
    session.commit()
    raise Forbidden(verdict.refusal(doing))
