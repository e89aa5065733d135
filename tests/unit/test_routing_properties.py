"""Invariants of the routing rules over generated inputs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog.models import Account, Catalog, ImpactMatrix, OnCall, Override, Service
from app.routing import contacts, targets
from app.routing.accounts import CONTACT_LABELS
from app.routing.assessment import Assessment, RoutingIndex, assess, stored_impact
from app.routing.contacts import Family
from app.routing.graph import DependencyGraph, dependents_closure
from app.routing.impact import account_tier
from app.routing.oncall import on_call_at
from app.routing.targets import page_targets
from tests.unit import catalog_builders as build

T = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)

# --- impact matrix: more of anything never makes an account less important ------------------


@st.composite
def matrices(draw: st.DrawFn) -> ImpactMatrix:
    value_medium = draw(st.integers(0, 10**6))
    exposure_medium = draw(st.integers(0, 10**5))
    levels = draw(st.lists(st.integers(0, 5), min_size=1, max_size=4))
    tier_count = draw(st.integers(1, 4))
    minimums = draw(st.lists(st.integers(0, 12), min_size=tier_count, max_size=tier_count))
    return ImpactMatrix(
        value_high=value_medium + draw(st.integers(0, 10**6)),
        value_medium=value_medium,
        exposure_high=exposure_medium + draw(st.integers(0, 10**5)),
        exposure_medium=exposure_medium,
        dependence=tuple((f"level{i}", points) for i, points in enumerate(levels)),
        tiers=tuple((tier, minimum) for tier, minimum in enumerate(minimums, start=1)),
    )


def _account(arr: int, users: int, dependence: str) -> Account:
    return Account("a", "A", arr=arr, users=users, dependence=dependence)


@given(
    matrices(),
    st.integers(0, 3 * 10**6),
    st.integers(0, 3 * 10**5),
    st.integers(0, 3),
    st.integers(0, 3 * 10**6),
    st.integers(0, 3 * 10**5),
    st.integers(0, 3),
)
def test_tier_is_monotone(
    matrix: ImpactMatrix,
    arr: int,
    users: int,
    level: int,
    more_arr: int,
    more_users: int,
    more_level: int,
) -> None:
    by_points = sorted(matrix.dependence, key=lambda pair: pair[1])
    low = by_points[min(level, len(by_points) - 1)][0]
    high = by_points[min(level + more_level, len(by_points) - 1)][0]
    base = account_tier(_account(arr, users, low), matrix)
    assert account_tier(_account(arr + more_arr, users, low), matrix) <= base
    assert account_tier(_account(arr, users + more_users, low), matrix) <= base
    assert account_tier(_account(arr, users, high), matrix) <= base
    assert account_tier(_account(arr + more_arr, users + more_users, high), matrix) <= base


# --- dependency graph: the closure is closed and contains its roots -------------------------


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Service]:
    size = draw(st.integers(1, 25))
    ids = [f"s{i}" for i in range(size)]
    services = {}
    for service_id in ids:
        depends_on = draw(st.lists(st.sampled_from(ids), max_size=4, unique=True))
        services[service_id] = Service(service_id, service_id, "t", depends_on=tuple(depends_on))
    return services


@given(graphs(), st.data())
def test_closure_is_closed_and_contains_roots(
    services: dict[str, Service], data: st.DataObject
) -> None:
    roots = data.draw(st.lists(st.sampled_from(sorted(services)), max_size=4))
    closure = dependents_closure(services, roots)
    assert set(roots) <= closure
    for service in services.values():
        if any(dependency in closure for dependency in service.depends_on):
            assert service.id in closure
    graph = DependencyGraph.build(services)
    assert graph.closure(roots) == closure
    # minimal: every member is a root or depends on a member
    for member in closure - set(roots):
        assert any(dependency in closure for dependency in services[member].depends_on)


@given(graphs())
def test_services_that_can_share_a_card_share_a_lock_group(services: dict[str, Service]) -> None:
    """Intake locks are per group: a group split in two would let two processes each make a
    card for services that belong on one."""
    graph = DependencyGraph.build(services)
    for service_id in services:
        assert {graph.group_of(member) for member in graph.closure_of(service_id)} == {
            graph.group_of(service_id)
        }
        assert graph.closure_of(service_id) <= graph.members(graph.group_of(service_id))
    connected: dict[str, set[str]] = {service_id: {service_id} for service_id in services}
    for service in services.values():
        for dependency in service.depends_on:
            merged = connected[service.id] | connected[dependency]
            for member in merged:
                connected[member] = merged
    for service_id, members in connected.items():
        assert graph.group_of(service_id) == min(members)
        assert graph.members(min(members)) == members
    assert graph.group_of("unknown") == "unknown"
    assert graph.members("unknown") == {"unknown"}


# --- on-call: every instant has exactly one person, shifts tile the timeline ----------------

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Australia/Sydney", "Asia/Kolkata"]
PEOPLE = ["P1", "P2", "P3", "P4"]
WINDOW_START = datetime(2025, 6, 1)
TRICKY_TIMES = [time(0, 0), time(2, 30), time(9, 0), time(1, 59), time(23, 30)]


@st.composite
def rotations(draw: st.DrawFn) -> OnCall:
    overrides = []
    for _ in range(draw(st.integers(0, 4))):
        begin = WINDOW_START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 500)))
        length = timedelta(minutes=draw(st.integers(-60, 60 * 24 * 10)))
        overrides.append(Override(draw(st.sampled_from(["O1", "O2", "P1"])), begin, begin + length))
    return OnCall(
        timezone=draw(st.sampled_from(ZONES)),
        handoff_weekday=draw(st.integers(0, 6)),
        handoff_time=draw(st.sampled_from(TRICKY_TIMES) | st.times()),
        start=draw(st.dates(date(2025, 9, 1), date(2026, 6, 1))),
        rotation=tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))),
        overrides=tuple(overrides),
    )


instants = st.datetimes(datetime(2025, 6, 1), datetime(2027, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300)
@given(rotations(), instants)
def test_rotation_covers_every_instant_with_one_person(oncall: OnCall, at: datetime) -> None:
    shift = on_call_at(oncall, at)
    allowed = set(oncall.rotation) | {override.user for override in oncall.overrides}
    assert shift.primary in allowed
    assert shift.scheduled in oncall.rotation
    assert shift.secondary != shift.primary
    if shift.secondary is None:  # nobody else left once the primary and displaced are skipped
        assert set(oncall.rotation) <= {shift.primary, shift.scheduled}
    else:
        assert shift.secondary in oncall.rotation
    assert shift.shift_start <= at < shift.shift_end
    assert shift.shift_start.tzinfo is UTC and shift.shift_end.tzinfo is UTC
    assert shift.shift_end - shift.shift_start <= timedelta(days=7, hours=2)

    following = on_call_at(oncall, shift.shift_end)
    assert following.shift_start == shift.shift_end
    assert following.primary == shift.next_person
    last_moment = on_call_at(oncall, shift.shift_end - timedelta(microseconds=1))
    assert last_moment == shift
    first_moment = on_call_at(oncall, shift.shift_start)
    assert first_moment == shift
    previous = on_call_at(oncall, shift.shift_start - timedelta(microseconds=1))
    assert previous.shift_end == shift.shift_start


# --- page targets: the named services' owners are paged, dependents' teams only told ---------


@st.composite
def incidents(draw: st.DrawFn) -> tuple[Catalog, list[str], list[str], str, bool]:
    """A small random catalog (acyclic: a service depends only on earlier ones) and an incident."""
    team_count = draw(st.integers(1, 4))
    teams = [
        build.team(f"t{i}", f"Team {i}", manager=f"U0M{i}", rotation=(f"U0T{i}A", f"U0T{i}B"))
        for i in range(team_count)
    ]
    services: list[Service] = []
    for i in range(draw(st.integers(1, 8))):
        earlier = [s.id for s in services]
        depends = draw(st.lists(st.sampled_from(earlier), unique=True)) if earlier else []
        owner = f"t{draw(st.integers(0, team_count - 1))}"
        services.append(build.service(f"s{i}", owner, *depends))
    ids = [s.id for s in services]
    accounts = [
        build.account(
            f"a{i}",
            f"Account {i}",
            tier=draw(st.integers(1, 3)),
            uses=draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)),
            liaison=f"U0CS{i}",
            exec_sponsor=f"U0VP{i}",
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    cat = build.catalog(teams, services, accounts)
    named = draw(st.lists(st.sampled_from(ids), unique=True, min_size=1, max_size=3))
    named_accounts = draw(st.lists(st.sampled_from([a.id for a in accounts] or ["none"])))
    severity = draw(st.sampled_from([s.id for s in cat.policy.severities]))
    return cat, named, named_accounts, severity, draw(st.booleans())


@settings(max_examples=200)
@given(incidents())
def test_team_pages_go_to_owners_of_named_services_only(
    case: tuple[Catalog, list[str], list[str], str, bool],
) -> None:
    cat, named, named_accounts, severity, private = case
    impact = assess(RoutingIndex.build(cat), severity, named, named_accounts)
    routing = page_targets(cat, impact, T, private=private)
    owners = {cat.services[sid].team for sid in named}
    owner_people = set()
    for team_id in owners:
        owner_people |= {cat.teams[team_id].manager, *cat.teams[team_id].oncall.rotation}  # type: ignore[union-attr]
    team_roles = {"oncall", "secondary", "manager"}
    for target in routing.targets:
        if team_roles & set(target.roles):
            assert target.person in owner_people
        if private:
            assert not {"liaison", "exec_sponsor"} & set(target.roles)
    paged = set(routing.people)
    told = [target.person for target in routing.informed]
    assert not paged & set(told), "nobody is both paged and told"
    assert len(told) == len(set(told))
    assert all(not target.stops_escalation for target in routing.informed)
    if private:
        assert told == []
    dependents = {cat.services[sid].team for sid in impact.services} - owners
    assert len(told) <= len(dependents)


@given(incidents())
def test_the_stored_assessment_routes_like_the_fresh_one(
    case: tuple[Catalog, list[str], list[str], str, bool],
) -> None:
    cat, named, named_accounts, severity, private = case
    index = RoutingIndex.build(cat)
    impact = assess(index, severity, named, named_accounts)
    stored = Assessment.from_record(json.loads(json.dumps(Assessment.of(impact).record())))
    assert stored == Assessment.of(impact)
    assert Assessment.of(stored_impact(index, stored)) == stored
    fresh = page_targets(cat, impact, T, private=private)
    again = page_targets(cat, stored_impact(index, stored), T, private=private)
    assert fresh.people == again.people
    assert fresh.informed == again.informed


# --- account contacts: grouped per person, whichever side of the mask is walked ----------------


@st.composite
def contact_books(draw: st.DrawFn) -> tuple[Catalog, list[str]]:
    """Accounts with few names (some repeat) and few liaisons (some missing), and which are hit:
    a few (the hit side is walked) or nearly all (the left-out side is)."""
    count = draw(st.integers(1, 40))
    accounts = [
        build.account(
            f"a{i}",
            draw(st.sampled_from(["Acme", "Globex", "Hooli", "Initech", f"Solo {i}"])),
            tier=draw(st.integers(1, 3)),
            uses=("s0",),
            liaison=draw(st.sampled_from([None, "U0CS1", "U0CS2", "U0CS3"])),
            exec_sponsor=draw(st.sampled_from([None, "U0VP1"])),
        )
        for i in range(count)
    ]
    hit = draw(st.sets(st.sampled_from([a.id for a in accounts])))
    if draw(st.booleans()):
        hit = {a.id for a in accounts} - hit
    teams = [build.team("t0", "Team 0", manager="U0M0", rotation=("U0T0A",))]
    return build.catalog(teams, [build.service("s0", "t0")], accounts), sorted(hit)


@settings(max_examples=200)
@given(contact_books())
def test_contacts_list_each_person_with_the_hit_accounts_they_hold(
    case: tuple[Catalog, list[str]],
) -> None:
    cat, hit = case
    index = RoutingIndex.build(cat)
    selection = index.accounts.select((), hit)
    for role, label in CONTACT_LABELS.items():
        for tier in (1, 2, 3):
            people: dict[str, list[str]] = {}
            missing: list[str] = []
            for account in selection.in_tier(tier):
                person = getattr(account, role)
                if person is None:
                    missing.append(account.name)
                else:
                    people.setdefault(person, []).append(f"{label} of {account.name}, Tier {tier}")
            found = selection.contacts(role, tier)
            assert [(p, list(reasons)) for p, reasons in found.people] == list(people.items())
            assert list(found.missing) == missing


@settings(max_examples=200)
@given(contact_books(), st.booleans())
def test_reasons_are_merged_as_one_dict_would_merge_them(
    case: tuple[Catalog, list[str]], twice: bool
) -> None:
    """Contact reasons skip the merging dict when they cannot repeat; every target must still
    read as if all its picks had gone through one, also when a tier's page list names a role
    the severity's already did (the same reasons twice)."""
    cat, hit = case
    severities = tuple(
        replace(s, page=(*s.page, "liaison", "U0CS1") if twice else s.page)
        for s in cat.policy.severities
    )
    rules = tuple(replace(r, page=(*r.page, "liaison", "exec_sponsor")) for r in cat.policy.tiers)
    cat = replace(cat, policy=replace(cat.policy, severities=severities, tiers=rules))
    impact = assess(RoutingIndex.build(cat), "SEV1", ["s0"], hit)
    routing = page_targets(cat, impact, T)
    with patch.object(targets, "_merged", _merged_by_dict):
        assert page_targets(cat, impact, T) == routing


def _merged_by_dict(parts: list[tuple[Sequence[str], Family | None]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(chain.from_iterable(reasons for reasons, _ in parts)))


def test_a_plain_reason_reading_like_a_contact_one_is_merged_with_it() -> None:
    tier1 = Family("liaison of ", ", Tier 1")
    parts: list[tuple[Sequence[str], Family | None]] = [
        (("liaison of Acme, Tier 1", "liaison of Hooli, Tier 1"), tier1),
        (("on-call", "liaison of Acme, Tier 1", "on-call"), None),
        (("liaison of Acme, Tier 11",), Family("liaison of ", ", Tier 11")),
    ]
    assert targets._merged(parts) == _merged_by_dict(parts)
    assert not tier1.may_meet(Family("liaison of ", ", Tier 11"))
    assert not tier1.may_meet(Family("exec sponsor of ", ", Tier 1"))
    assert tier1.may_meet(tier1)
    assert targets._merged(parts[:1] + parts[:1]) == parts[0][0]


@given(
    st.integers(0, 300).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.integers(0, n - 1)) if n else st.just(set()))
    )
)
def test_reasons_without_some_ranks_keep_the_rest_in_order(case: tuple[int, set[int]]) -> None:
    size, cut = case
    reasons = tuple(f"r{i}" for i in range(size))
    assert contacts._without(reasons, sorted(cut)) == tuple(
        reason for rank, reason in enumerate(reasons) if rank not in cut
    )
