"""The use cases handlers call; each method is one unit of work (blocking, run off the loop)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from app.briefs.view import IncidentView
from app.catalog.models import Catalog
from app.domain.declaration import Declaration
from app.domain.errors import NotFound
from app.routing.assessment import Impact
from app.services.declare import Declared, declare
from app.services.views import incident_view
from app.store import incidents
from app.store.db import UnitOfWork
from app.store.models import Incident


class IncidentService:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        catalog: Callable[[], Catalog],
        assess: Callable[[Declaration], Impact],
        clock: Callable[[], datetime],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.uow = uow
        self.catalog = catalog
        self.assess = assess
        self.clock = clock
        self.on_commit = on_commit
        """Wakes the outbox dispatcher so effects start without waiting for its next poll."""

    def declare(
        self, declaration: Declaration, *, actor: str, request_key: str, origin_channel: str | None
    ) -> Declared:
        declared = declare(
            uow=self.uow,
            assess=self.assess,
            clock=self.clock,
            declaration=declaration,
            actor=actor,
            request_key=request_key,
            origin_channel=origin_channel,
        )
        if declared.created:
            self.on_commit()
        return declared

    def find(self, *, number: int | None, channel: str | None, viewer: str) -> IncidentView:
        """The incident named by ``INC-<n>``, or else the one whose channel this is.

        A private incident named from outside its channel is only found by its own people, so
        its existence does not leak.
        """
        with self.uow() as session:
            if number is not None:
                incident = incidents.by_number(session, number)
                if incident is None or (
                    incident.private
                    and incident.channel_id != channel
                    and viewer not in _people(incident)
                ):
                    raise NotFound(f"There is no INC-{number}.")
            else:
                incident = incidents.by_channel(session, channel) if channel else None
                if incident is None:
                    raise NotFound(
                        "This is not an incident channel. Run it in the incident's channel,"
                        " or name the incident first: `/incident INC-42 status`."
                    )
            return incident_view(incident, self.catalog())

    def open_incidents(self, *, viewer: str) -> list[IncidentView]:
        """Open incidents; private ones only for the people in them."""
        with self.uow() as session:
            rows = incidents.open_incidents(session)
            catalog = self.catalog()
            return [
                incident_view(row, catalog)
                for row in rows
                if not row.private or viewer in _people(row)
            ]


def _people(incident: Incident) -> set[str | None]:
    return {incident.commander, incident.declared_by, incident.comms_lead}
