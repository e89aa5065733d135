"""Finding the incident a command is about: ``INC-<n>`` first, else the channel it runs in."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain.errors import NotFound
from app.domain.refs import IncidentRef
from app.store import incidents
from app.store.models import Incident

NOT_AN_INCIDENT_CHANNEL = (
    "This is not an incident channel. Run it in the incident's channel,"
    " or name the incident first: `/incident INC-42 status`."
)


def people_of(incident: Incident) -> set[str | None]:
    return {incident.commander, incident.declared_by, incident.comms_lead}


def by_number(session: Session, number: int) -> Incident:
    """Any incident, private or not: for an operator, who sees them all."""
    incident = incidents.by_number(session, number)
    if incident is None:
        raise NotFound(f"There is no INC-{number}.")
    return incident


def find_incident(session: Session, which: IncidentRef, *, lock: bool = False) -> Incident:
    """A private incident named from outside its channel is only found by its own people, so
    its existence does not leak. ``lock``: for a command that changes it (``app.store.incidents``
    says why)."""
    if which.number is None:
        incident = (
            incidents.by_channel(session, which.channel, lock=lock) if which.channel else None
        )
        if incident is None:
            raise NotFound(NOT_AN_INCIDENT_CHANNEL)
        return incident
    incident = incidents.by_number(session, which.number, lock=lock)
    if incident is None or (
        incident.private
        and incident.channel_id != which.channel
        and which.actor not in people_of(incident)
    ):
        raise NotFound(f"There is no INC-{which.number}.")
    return incident
