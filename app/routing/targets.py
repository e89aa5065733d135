"""Who gets paged, and why (SPEC 5.2).

``page:`` lists name roles (``oncall``, ``secondary``, ``manager``, ``exec``, ``liaison``,
``exec_sponsor``, ``commander``) or literal people. They are resolved at a given instant through
the rotations, then merged per person: one DM per human, carrying every reason they were picked.
Team roles mean the teams owning the services a responder named: they hold the fix. The teams
of services hurt only through a dependency are told (``Routing.informed``), not paged.
A private incident pages responders only: account liaisons and exec sponsors are left out.
Gaps in the configuration (a team with no rotation, an account with no liaison) never stop a
page going out; they come back as ``notes`` so the incident channel can say who was not reached.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import chain

from app.catalog.models import Catalog, EscalationLevel, Person, Policy, Team
from app.routing.accounts import CONTACT_LABELS
from app.routing.assessment import Impact
from app.routing.contacts import Family
from app.routing.oncall import OnCallShift, on_call_at, primary_at

LITERAL = "user"
"""Role recorded for a person written literally in a ``page:`` list."""
INFORM_ONLY = frozenset({"liaison", "exec_sponsor"})
"""Their acknowledgement is recorded but does not stop escalation (SPEC 5.2)."""
_MAX_NAMES = 3


@dataclass(frozen=True)
class PageTarget:
    person: Person
    roles: tuple[str, ...]
    reasons: tuple[str, ...]
    stops_escalation: bool


@dataclass(frozen=True)
class Routing:
    targets: tuple[PageTarget, ...]
    notes: tuple[str, ...] = ()
    informed: tuple[PageTarget, ...] = ()
    """One on-call (or manager) per team owning only dependent services: an FYI, no
    Acknowledge, no escalation. Nobody here is also in ``targets``."""

    @property
    def people(self) -> tuple[Person, ...]:
        return tuple(target.person for target in self.targets)

    def target(self, person: Person) -> PageTarget | None:
        return next((target for target in self.targets if target.person == person), None)


class _Collector:
    """Merges picks per person, keeping first-seen order of people, roles and reasons."""

    def __init__(self) -> None:
        self.picks: dict[Person, tuple[dict[str, None], list[_Part]]] = {}
        """Per person: roles, and the reasons of each pick, merged once in :meth:`result`
        (a liaison of thousands of hit accounts is picked once per tier)."""
        self.notes: dict[str, None] = {}

    def add(self, person: Person, role: str, *reasons: str) -> None:
        self.add_all(person, role, reasons)

    def add_all(
        self, person: Person, role: str, reasons: Sequence[str], family: Family | None = None
    ) -> None:
        """``family``: how every one of ``reasons`` reads, if none repeats."""
        pick = self.picks.get(person)
        if pick is None:
            self.picks[person] = ({role: None}, [(reasons, family)])
        else:
            pick[0][role] = None
            pick[1].append((reasons, family))

    def note(self, text: str) -> None:
        self.notes[text] = None

    def result(self) -> Routing:
        return Routing(
            targets=tuple(
                PageTarget(
                    person=person,
                    roles=tuple(roles),
                    reasons=_merged(reasons),
                    stops_escalation=not INFORM_ONLY.issuperset(roles),
                )
                for person, (roles, reasons) in self.picks.items()
            ),
            notes=tuple(self.notes),
        )


_Part = tuple[Sequence[str], Family | None]
"""Reasons of one pick, and their family (see :meth:`_Collector.add_all`)."""


def _merged(parts: list[_Part]) -> tuple[str, ...]:
    """The reasons of every pick in first-seen order, each once. A liaison's thousands are
    taken as they are when no other reason can equal one of them (their family reads apart
    from every other pick's): merging them through a dict was a third of a decision."""
    families = [family for _, family in parts if family is not None]
    plain = [reason for reasons, family in parts if family is None for reason in reasons]
    if any(
        one.may_meet(other) for at, one in enumerate(families) for other in families[at + 1 :]
    ) or any(family.may_hold(reason) for family in families for reason in plain):
        return tuple(dict.fromkeys(chain.from_iterable(reasons for reasons, _ in parts)))
    seen: set[str] = set()
    merged: list[str] = []
    for reasons, family in parts:
        if family is not None:
            merged += reasons  # copied whole, not item by item as chain() would
            continue
        for reason in reasons:
            if reason not in seen:
                seen.add(reason)
                merged.append(reason)
    return tuple(merged)


class _Resolver:
    """Resolves role names for one incident at one instant; rotations are looked up once."""

    def __init__(
        self, catalog: Catalog, impact: Impact, at: datetime, *, private: bool = False
    ) -> None:
        self.catalog = catalog
        self.impact = impact
        self.at = at
        self.private = private
        self.out = _Collector()
        self._shifts: dict[str, OnCallShift | None] = {}
        self.owned: dict[str, list[str]] = {}
        """Team id -> names of its affected services (one pass over up to thousands)."""
        self.teams, self.dependents = self._affected_teams()
        self.paged_teams = False
        """Whether a team role was resolved: only then are the dependents' teams told."""

    def _affected_teams(self) -> tuple[list[Team], list[Team]]:
        """(owners of the named services, in the order named; owners of services affected only
        through a dependency, by name)."""
        services = self.catalog.services
        owners = dict.fromkeys(
            service.team
            for sid in self.impact.named_services
            if (service := services.get(sid)) is not None
        )
        owned = self.owned
        for sid in self.impact.services:
            if (service := services.get(sid)) is not None:
                names = owned.get(service.team)
                if names is None:
                    owned[service.team] = [service.name]
                else:
                    names.append(service.name)
        others = [team_id for team_id in owned if team_id not in owners]
        dependents = sorted(self._teams(sorted(others)), key=lambda team: (team.name, team.id))
        return self._teams(owners), dependents

    def _teams(self, team_ids: Iterable[str]) -> list[Team]:
        teams: list[Team] = []
        for team_id in team_ids:
            team = self.catalog.teams.get(team_id)
            if team is None:
                self.out.note(f"Team {team_id} is not in the configuration; nobody paged for it")
            else:
                teams.append(team)
        return teams

    def shift(self, team: Team) -> OnCallShift | None:
        if team.id not in self._shifts:
            shift = None
            if team.oncall is not None and team.oncall.rotation:
                shift = on_call_at(team.oncall, self.at)
            self._shifts[team.id] = shift
        return self._shifts[team.id]

    def primary(self, team: Team) -> Person | None:
        """The team's on-call now (None without a rotation); a whole shift only if one was
        looked up already."""
        if team.id in self._shifts:
            shift = self._shifts[team.id]
            return None if shift is None else shift.primary
        if team.oncall is None or not team.oncall.rotation:
            return None
        return primary_at(team.oncall, self.at)

    def resolve(self, entries: Iterable[str], source: str, tiers: Sequence[int]) -> None:
        """``tiers``: whose accounts ``liaison``/``exec_sponsor`` refer to."""
        for entry in entries:
            if entry == "oncall":
                self._oncall()
            elif entry == "secondary":
                self._secondary()
            elif entry == "manager":
                self._manager()
            elif entry == "exec":
                self._execs()
            elif entry == "commander":
                self._commander()
            elif entry in INFORM_ONLY and self.private:
                self.out.note(
                    "Private incident: account liaisons and exec sponsors are not paged;"
                    " page them by hand if they must know"
                )
            elif entry in INFORM_ONLY:
                self._account_people(entry, tiers)
            else:
                self.out.add(entry, LITERAL, f"listed in the {source}")

    def _oncall(self) -> None:
        self.paged_teams = True
        for team in self.teams:
            shift = self.shift(team)
            if shift is None:
                self.out.note(f"{team.name} has no on-call rotation; its on-call was not paged")
            else:
                self.out.add(shift.primary, "oncall", f"on-call for {team.name}")

    def _secondary(self) -> None:
        self.paged_teams = True
        for team in self.teams:
            shift = self.shift(team)
            if shift is None:
                self.out.note(f"{team.name} has no on-call rotation; its secondary was not paged")
            elif shift.secondary is None:
                self.out.note(f"{team.name} has nobody else in its rotation to page as secondary")
            else:
                self.out.add(shift.secondary, "secondary", f"secondary for {team.name}")

    def _manager(self) -> None:
        self.paged_teams = True
        for team in self.teams:
            if team.manager is None:
                self.out.note(f"{team.name} has no manager configured; no manager paged for it")
            else:
                self.out.add(team.manager, "manager", f"manager of {team.name}")

    def _execs(self) -> None:
        execs = self.catalog.policy.workspace.execs
        if not execs:
            self.out.note("No execs configured (workspace.execs); nobody paged as exec")
        for person in execs:
            self.out.add(person, "exec", "exec")

    def _commander(self) -> None:
        """The on-call of the ``commanders`` team (SPEC 5.10)."""
        team = self.catalog.teams.get(self.catalog.policy.workspace.commanders_team or "")
        shift = self.shift(team) if team is not None else None
        if team is None or shift is None:
            self.out.note(
                "No commanders team with a rotation (workspace.commanders); no commander paged"
            )
        else:
            self.out.add(shift.primary, "commander", f"on-call commander ({team.name})")

    def _account_people(self, role: str, tiers: Sequence[int]) -> None:
        """Grouped per person before merging: thousands of accounts may be hit at once."""
        label = CONTACT_LABELS[role]
        for tier in tiers:
            hits = self.impact.accounts.contacts(role, tier)
            for person, reasons in hits.people:
                self.out.add_all(person, role, reasons, hits.family)
            count = len(hits.missing)
            if count:
                listed = ", ".join(hits.missing[i] for i in range(min(count, _MAX_NAMES)))
                more = ", …" if count > _MAX_NAMES else ""
                self.out.note(
                    f"{count} affected Tier {tier} account(s) have no {label}: {listed}{more}"
                )

    def informed(self) -> tuple[PageTarget, ...]:
        """The FYI of each dependent team: its on-call, or its manager without a rotation.
        Private incidents tell nobody outside their responders."""
        if self.private or not self.paged_teams:
            return ()
        services = self.catalog.services
        named = ", ".join(
            services[sid].name for sid in self.impact.named_services if sid in services
        )
        paged = set(self.out.picks)
        told: dict[Person, PageTarget] = {}
        for team in self.dependents:
            on_call = self.primary(team)
            person = on_call if on_call is not None else team.manager
            if person is None or person in paged:
                continue
            hit = sorted(self.owned.get(team.id, ()))
            verb = "depends" if len(hit) == 1 else "depend"
            reason = (
                f"FYI for {team.name}: {', '.join(hit)} {verb} on {named};"
                " the fix is with its owners"
            )
            role = "oncall" if on_call is not None else "manager"
            told.setdefault(person, PageTarget(person, (role,), (reason,), False))
        return tuple(told.values())


def page_targets(
    catalog: Catalog,
    impact: Impact,
    at: datetime,
    *,
    severity_override: str | None = None,
    private: bool = False,
) -> Routing:
    """Targets of the severity's ``page:`` list and of each affected tier's, merged per person,
    and the dependent teams to tell.

    ``severity_override`` routes as if the incident had that severity (e.g. after
    ``/incident severity``) without reassessing the impact.
    """
    policy = catalog.policy
    severity = policy.severity(severity_override or impact.severity.severity)
    resolver = _Resolver(catalog, impact, at, private=private)
    resolver.resolve(severity.page, f"{severity.id} page list", impact.tiers)
    for tier in impact.tiers:
        resolver.resolve(policy.tier_rule(tier).page, f"Tier {tier} page list", (tier,))
    return replace(resolver.out.result(), informed=resolver.informed())


def escalation_targets(
    catalog: Catalog, impact: Impact, level_index: int, at: datetime, *, private: bool = False
) -> Routing:
    """Targets of ``escalation[level_index]`` (0-based); IndexError past the last level.
    Escalation pages the owners' teams only; dependents were told once and are not chased."""
    levels = catalog.policy.escalation
    if not 0 <= level_index < len(levels):
        raise IndexError(f"no escalation level {level_index + 1} (policy has {len(levels)})")
    resolver = _Resolver(catalog, impact, at, private=private)
    resolver.resolve(levels[level_index].page, f"escalation level {level_index + 1}", impact.tiers)
    return resolver.out.result()


def escalation_delay(policy: Policy, severity_id: str, level: int | EscalationLevel) -> timedelta:
    """How long after the previous page this level fires; ``ack_within`` is the severity's."""
    if isinstance(level, int):
        level = policy.escalation[level]
    if isinstance(level.after, timedelta):
        return level.after
    return policy.severity(severity_id).ack_within


def team_targets(catalog: Catalog, team_id: str, at: datetime) -> Routing:
    """Manual ``page team:<id>``: its primary on call, or its manager when it has no rotation."""
    team = catalog.teams[team_id]
    out = _Collector()
    oncall = team.oncall
    if oncall is not None and oncall.rotation:
        out.add(on_call_at(oncall, at).primary, "oncall", f"on-call for {team.name}")
    elif team.manager is not None:
        out.note(f"{team.name} has no on-call rotation; paging its manager instead")
        out.add(team.manager, "manager", f"manager of {team.name}")
    else:
        out.note(f"{team.name} has neither an on-call rotation nor a manager; nobody to page")
    return out.result()


def service_targets(catalog: Catalog, service_id: str, at: datetime) -> Routing:
    """Manual ``page service:<id>``: the owning team's on-call."""
    return team_targets(catalog, catalog.services[service_id].team, at)
