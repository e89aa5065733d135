"""The use cases handlers call; each method is one unit of work (blocking, run off the loop)."""

from __future__ import annotations

from app.briefs.view import IncidentView
from app.domain.declaration import Declaration
from app.domain.refs import IncidentRef
from app.services.context import Context
from app.services.declare import Declared, declare
from app.services.lookup import find_incident, people_of
from app.services.views import incident_view
from app.store import incidents


class IncidentService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def declare(
        self, declaration: Declaration, *, actor: str, request_key: str, origin_channel: str | None
    ) -> Declared:
        return declare(
            self.ctx,
            declaration=declaration,
            actor=actor,
            request_key=request_key,
            origin_channel=origin_channel,
        )

    def find(self, which: IncidentRef) -> IncidentView:
        with self.ctx.uow() as session:
            incident = find_incident(session, which)
            return incident_view(incident, self.ctx.catalog)

    def open_incidents(self, *, viewer: str) -> list[IncidentView]:
        """Open incidents; private ones only for the people in them."""
        with self.ctx.uow() as session:
            rows = incidents.open_incidents(session)
            return [
                incident_view(row, self.ctx.catalog)
                for row in rows
                if not row.private or viewer in people_of(row)
            ]
