"""Feeds the decision rights (``app.domain.rights``) from stored data and configuration, and
turns a refusal into an audited, ephemeral answer. People are compared as user ids
(``identities``), so a person named by email has the same rights as one named by id."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain.errors import Forbidden
from app.domain.refs import IncidentRef
from app.domain.rights import Roster, Standing, Verdict, may_act
from app.routing.roster import roster_of
from app.services.context import Context
from app.services.identities import paged, person_ids
from app.services.lookup import find_incident
from app.store import incidents
from app.store.models import Incident


def roster(session: Session, ctx: Context) -> Roster:
    return roster_of(ctx.catalog, person_ids(session), ctx.clock())


def standing(session: Session, ctx: Context, incident: Incident) -> Standing:
    services = ctx.catalog.services
    affected = [*incident.services, *(incident.impact or {}).get("services", [])]
    teams = dict.fromkeys(services[s].team for s in affected if s in services)
    return Standing(
        ref=incident.ref,
        commander=incident.commander,
        comms_lead=incident.comms_lead,
        paged=paged(session, incident.id),
        channel_id=incident.channel_id,
        teams=tuple(teams),
    )


def check(
    session: Session,
    ctx: Context,
    incident: Incident,
    actor: str,
    verdict: Verdict,
    what: str,
    *,
    kind: str = "refused",
) -> None:
    """Raise the refusal (after recording it on the audit log) unless ``verdict`` allows."""
    if verdict.allowed:
        return
    incidents.record(
        session,
        incident,
        at=ctx.clock(),
        actor=actor,
        kind=kind,
        data={"what": what},
    )
    session.commit()
    raise Forbidden(verdict.refusal(what))


def act_on(session: Session, ctx: Context, which: IncidentRef, what: str) -> Incident:
    """The incident a command acts on (locked: it changes it), once the actor's right to act on
    it is established."""
    incident = find_incident(session, which, lock=True)
    verdict = may_act(
        which.actor, which.channel, standing(session, ctx, incident), roster(session, ctx)
    )
    check(session, ctx, incident, which.actor, verdict, f"{what} {incident.ref}")
    return incident
