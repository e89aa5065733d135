"""Who is on call: `/incident oncall`'s roster (now and next, per team), and the people the
configuration gives standing decision rights (:func:`roster_of`, for :mod:`app.domain.rights`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from app.catalog.models import Catalog, Person
from app.catalog.suggest import did_you_mean
from app.domain.errors import NotFound
from app.domain.rights import Roster
from app.routing.oncall import on_call_at

PersonId = Callable[[Person], str]
"""A configured person (id or email) as the Slack user id it resolved to (itself if unknown)."""


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
    raise NotFound(
        f"No team or service `{query.strip()}`."
        + did_you_mean(needle, [*catalog.teams, *catalog.services])
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


def roster_of(catalog: Catalog, person_id: PersonId, now: datetime) -> Roster:
    """Approvers, commanders (listed people, or everyone in the commanders team's rotation and
    whoever covers it now) and managers, resolved to ids."""
    workspace = catalog.policy.workspace
    commanders: list[Person] = list(workspace.commanders)
    team = catalog.teams.get(workspace.commanders_team or "")
    if team is not None and team.oncall is not None and team.oncall.rotation:
        commanders += [*team.oncall.rotation, on_call_at(team.oncall, now).primary]
    return Roster(
        approvers=_ids(workspace.approvers, person_id),
        commanders=_ids(commanders, person_id),
        managers={
            team_id: person_id(team.manager)
            for team_id, team in catalog.teams.items()
            if team.manager
        },
    )


def _ids(people: Iterable[Person], person_id: PersonId) -> frozenset[str]:
    return frozenset(person_id(person) for person in people)
