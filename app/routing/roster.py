"""`/incident oncall`: who is on call now for each team, who is next, and when they hand over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.catalog.models import Catalog, Person
from app.domain.commands import USAGE
from app.domain.errors import UsageError
from app.domain.suggest import did_you_mean
from app.routing.oncall import on_call_at


@dataclass(frozen=True)
class RosterLine:
    team_id: str
    team_name: str
    primary: Person | None
    """None when the team has no rotation: nobody is paged as its `oncall`."""
    secondary: Person | None = None
    next_person: Person | None = None
    handoff: datetime | None = None
    override: bool = False
    """The primary stands in for the scheduled person (an override is in force)."""


def teams_for(catalog: Catalog, query: str) -> list[str]:
    """All teams for no query; else the team named (id or name) or the team owning a service."""
    needle = query.strip().lower()
    if not needle:
        return sorted(catalog.teams, key=lambda t: catalog.teams[t].name.lower())
    for team_id, team in catalog.teams.items():
        if needle in {team_id.lower(), team.name.lower()}:
            return [team_id]
    for service_id, service in catalog.services.items():
        if needle in {service_id.lower(), service.name.lower()}:
            return [service.team]
    raise UsageError(
        f"No team or service `{query.strip()}`."
        + did_you_mean(needle, [*catalog.teams, *catalog.services]),
        usage=USAGE["oncall"],
    )


def roster(catalog: Catalog, team_ids: list[str], at: datetime) -> list[RosterLine]:
    lines = []
    for team_id in team_ids:
        team = catalog.teams[team_id]
        if team.oncall is None:
            lines.append(RosterLine(team_id, team.name, None))
            continue
        shift = on_call_at(team.oncall, at)
        lines.append(
            RosterLine(
                team_id,
                team.name,
                shift.primary,
                secondary=shift.secondary,
                next_person=shift.next_person,
                handoff=shift.shift_end,
                override=shift.primary != shift.scheduled,
            )
        )
    return lines
