"""Routing rules on hand-built catalogs: impact, severity, cadence, on-call, page targets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.catalog.models import EscalationLevel
from app.routing.accounts import AccountIndex, AffectedAccount, affected_accounts
from app.routing.assessment import RoutingIndex, assess
from app.routing.graph import DependencyGraph, dependents_closure
from app.routing.impact import account_tier
from app.routing.oncall import next_handoff, on_call_at
from app.routing.severity import effective_severity, update_interval
from app.routing.targets import (
    escalation_delay,
    escalation_targets,
    page_targets,
    service_targets,
    team_targets,
)
from tests.unit.catalog_builders import (
    HOUR,
    MIN,
    account,
    catalog,
    oncall,
    policy,
    service,
    spec_catalog,
    team,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday of week 5 of the rotations: Payments -> U0PAY3 (then U0PAY1); Identity -> U0ID2.
T = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- dependency graph -------------------------------------------------------------------------


def test_closure_follows_dependents_transitively() -> None:
    services = spec_catalog().services
    assert dependents_closure(services, ["auth"]) == {"auth", "payments", "checkout"}
    assert dependents_closure(services, ["payments"]) == {"payments", "checkout"}
    assert dependents_closure(services, ["checkout"]) == {"checkout"}
    assert dependents_closure(services, []) == frozenset()


def test_closure_of_diamond_and_several_roots() -> None:
    services = {
        s.id: s
        for s in [
            service("db", "t"),
            service("queue", "t"),
            service("api", "t", "db"),
            service("jobs", "t", "db", "queue"),
            service("web", "t", "api", "jobs"),
        ]
    }
    graph = DependencyGraph.build(services)
    assert graph.closure(["db"]) == {"db", "api", "jobs", "web"}
    assert graph.closure(["queue", "api"]) == {"queue", "jobs", "api", "web"}
    assert graph.closure_of("db") is graph.closure_of("db")


def test_closure_tolerates_unknown_roots_and_cycles() -> None:
    services = {s.id: s for s in [service("a", "t", "b"), service("b", "t", "a")]}
    assert dependents_closure(services, ["a"]) == {"a", "b"}
    assert dependents_closure(services, ["ghost"]) == {"ghost"}


# --- accounts ---------------------------------------------------------------------------------


def test_index_precomputes_tiers_with_explicit_override() -> None:
    cat = spec_catalog()
    index = AccountIndex.build(cat)
    assert [(a.id, t) for a, t in zip(index.ordered, index.tiers, strict=True)] == [
        ("acme", 1),
        ("hooli", 1),
        ("globex", 2),
        ("initech", 3),
    ]
    assert index.tier_of("globex") == 2
    assert account_tier(cat.accounts["hooli"], cat.policy.impact_matrix) == 1


def test_affected_accounts_named_plus_users_sorted_by_tier_then_name() -> None:
    index = AccountIndex.build(spec_catalog())
    found = affected_accounts(index, frozenset({"payments", "checkout"}), ["initech", "acme"])
    assert [(a.account.id, a.tier, a.reason) for a in found] == [
        ("acme", 1, "named in the incident; uses Checkout, Payments"),
        ("globex", 2, "uses Payments"),
        ("initech", 3, "named in the incident"),
    ]
    assert isinstance(found[0], AffectedAccount)


def test_selection_answers_tier_questions_without_materialising() -> None:
    index = AccountIndex.build(spec_catalog())
    selection = index.select(frozenset({"auth", "payments", "checkout"}), ["hooli", "nobody"])
    assert len(selection) == 4
    assert selection.tiers == (1, 2, 3)
    assert selection.count(1) == 2
    assert list(selection.names_in_tier(1)) == ["Acme Corp", "Hooli"]
    assert selection.names_in_tier(1)[-1] == "Hooli"
    assert [a.name for a in selection.in_tier(2)] == ["Globex"]
    assert "hooli" in selection and "nobody" not in selection
    assert selection.unknown == ("nobody",)
    assert list(index.select(frozenset(), ())) == []


# --- severity and cadence ---------------------------------------------------------------------


def test_tier_floor_raises_severity_with_reason() -> None:
    decision = effective_severity(policy(), "SEV3", [3, 1], names={1: ["Acme Corp"]})
    assert decision.severity == "SEV2"
    assert decision.declared == "SEV3"
    assert decision.raised
    assert decision.raised_by == ("Tier 1 account Acme Corp requires at least SEV2",)


def test_more_severe_declaration_is_kept() -> None:
    decision = effective_severity(policy(), "SEV1", [1, 2])
    assert (decision.severity, decision.raised, decision.raised_by) == ("SEV1", False, ())


def test_raise_wording_for_many_or_unnamed_accounts() -> None:
    names = ["A", "B", "C", "D", "E"]
    assert effective_severity(policy(), "SEV4", [1], names={1: names}).raised_by == (
        "Tier 1 accounts A, B and 3 more require at least SEV2",
    )
    assert effective_severity(policy(), "SEV4", [1], names={1: names[:3]}).raised_by == (
        "Tier 1 accounts A, B and C require at least SEV2",
    )
    assert effective_severity(policy(), "SEV4", [1]).raised_by == (
        "an affected Tier 1 account requires at least SEV2",
    )


def test_only_the_binding_tier_explains_the_raise() -> None:
    pol = policy()
    pol = policy(
        tiers=(
            pol.tiers[0],
            type(pol.tiers[1])(2, min_severity="SEV3"),
            pol.tiers[2],
        )
    )
    decision = effective_severity(pol, "SEV4", [1, 2], names={1: ["Acme"], 2: ["Globex"]})
    assert decision.severity == "SEV2"
    assert decision.raised_by == ("Tier 1 account Acme requires at least SEV2",)


def test_unknown_severity_is_an_error() -> None:
    with pytest.raises(KeyError):
        effective_severity(policy(), "SEV9", [])


def test_update_interval_is_the_shortest_configured() -> None:
    pol = policy()
    assert update_interval(pol, "SEV3", [1, 3]) == 15 * MIN
    assert update_interval(pol, "SEV3", [2]) == 30 * MIN
    assert update_interval(pol, "SEV2", []) == HOUR
    assert update_interval(pol, "SEV4", [2]) == 30 * MIN
    assert update_interval(pol, "SEV4", [3]) is None
    assert update_interval(pol, "SEV4", []) is None


# --- assessment -------------------------------------------------------------------------------


def test_assess_combines_closure_accounts_severity_and_interval() -> None:
    index = RoutingIndex.build(spec_catalog())
    impact = assess(index, "SEV3", ["payments"], ["initech"])
    assert impact.services == {"payments", "checkout"}
    assert impact.named_services == ("payments",)
    assert [(a.account.id, a.tier) for a in impact.accounts] == [
        ("acme", 1),
        ("globex", 2),
        ("initech", 3),
    ]
    assert impact.tiers == (1, 2, 3)
    assert impact.severity.severity == "SEV2"
    assert impact.severity.raised_by == ("Tier 1 account Acme Corp requires at least SEV2",)
    assert impact.update_every == 15 * MIN


def test_assess_without_accounts_keeps_declared_severity_and_its_cadence() -> None:
    index = RoutingIndex.build(spec_catalog())
    impact = assess(index, "SEV4", ["ghost"], ["nobody"])
    assert impact.services == frozenset()
    assert len(impact.accounts) == 0
    assert impact.severity.severity == "SEV4" and not impact.severity.raised
    assert impact.update_every is None
    assert impact.unknown_services == ("ghost",)
    assert impact.unknown_accounts == ("nobody",)


def test_assess_names_every_raising_account_in_its_tier() -> None:
    index = RoutingIndex.build(spec_catalog())
    impact = assess(index, "SEV4", ["auth"], ["hooli"])
    assert impact.severity.raised_by == (
        "Tier 1 accounts Acme Corp and Hooli require at least SEV2",
    )


# --- on-call ----------------------------------------------------------------------------------


def test_weekly_rotation_from_start() -> None:
    rota = oncall()
    shift = on_call_at(rota, utc(2026, 1, 5, 8, 0))  # Monday 09:00 in Berlin: first handoff
    assert (shift.primary, shift.secondary, shift.next_person) == ("U0PAY1", "U0PAY2", "U0PAY2")
    assert shift.shift_start == utc(2026, 1, 5, 8, 0)
    assert shift.shift_end == utc(2026, 1, 12, 8, 0)
    assert shift.shift_end.tzinfo is UTC
    assert on_call_at(rota, utc(2026, 1, 12, 8, 0)).primary == "U0PAY2"
    assert on_call_at(rota, utc(2026, 1, 19, 8, 0)).primary == "U0PAY3"
    assert on_call_at(rota, utc(2026, 1, 26, 7, 59)).primary == "U0PAY3"
    assert on_call_at(rota, utc(2026, 1, 26, 8, 0)).primary == "U0PAY1"
    third = on_call_at(rota, utc(2026, 1, 21))
    assert (third.secondary, third.next_person) == ("U0PAY1", "U0PAY1")


def test_before_start_the_rotation_runs_backwards() -> None:
    rota = oncall()
    last = on_call_at(rota, utc(2026, 1, 5, 7, 59))
    assert last.primary == "U0PAY3"
    assert last.shift_end == utc(2026, 1, 5, 8, 0)
    assert last.next_person == "U0PAY1"
    assert on_call_at(rota, utc(2025, 12, 25)).primary == "U0PAY2"


def test_first_handoff_is_on_or_after_start() -> None:
    rota = oncall(start=date(2026, 1, 7))  # a Wednesday: first Monday handoff is the 12th
    assert on_call_at(rota, utc(2026, 1, 12, 7, 59)).primary == "U0PAY3"
    assert on_call_at(rota, utc(2026, 1, 12, 8, 0)).primary == "U0PAY1"


def test_berlin_spring_forward_keeps_local_handoff() -> None:
    shift = on_call_at(oncall(), utc(2026, 3, 28, 12))  # DST starts Sunday 29 March
    assert shift.shift_start == utc(2026, 3, 23, 8, 0)  # 09:00 CET
    assert shift.shift_end == utc(2026, 3, 30, 7, 0)  # 09:00 CEST
    assert shift.shift_end - shift.shift_start == timedelta(hours=167)
    assert shift.shift_end.astimezone(BERLIN).time() == time(9, 0)


def test_berlin_fall_back_keeps_local_handoff() -> None:
    shift = on_call_at(oncall(), utc(2026, 10, 25, 12))  # DST ends Sunday 25 October
    assert shift.shift_start == utc(2026, 10, 19, 7, 0)  # 09:00 CEST
    assert shift.shift_end == utc(2026, 10, 26, 8, 0)  # 09:00 CET
    assert shift.shift_end - shift.shift_start == timedelta(hours=169)


def test_handoff_inside_the_gap_and_the_repeat() -> None:
    rota = oncall(weekday=6, at=time(2, 30), start=date(2026, 3, 1))  # Sundays 02:30 Berlin
    # 29 March 02:30 does not exist: read with the winter offset, i.e. 03:30 CEST.
    assert on_call_at(rota, utc(2026, 3, 29, 1, 29)).shift_end == utc(2026, 3, 29, 1, 30)
    assert on_call_at(rota, utc(2026, 3, 29, 1, 30)).shift_start == utc(2026, 3, 29, 1, 30)
    assert on_call_at(rota, utc(2026, 3, 29, 1, 30)).shift_end == utc(2026, 4, 5, 0, 30)
    # 25 October 02:30 happens twice: the first one (CEST) is the handoff.
    october = on_call_at(rota, utc(2026, 10, 25, 0, 30))
    assert october.shift_start == utc(2026, 10, 25, 0, 30)
    assert october.shift_end == utc(2026, 11, 1, 1, 30)


def test_new_york_transitions() -> None:
    rota = oncall(("A", "B"), timezone="America/New_York")
    spring = on_call_at(rota, utc(2026, 3, 5, 12))  # DST starts Sunday 8 March
    assert (spring.shift_start, spring.shift_end) == (utc(2026, 3, 2, 14), utc(2026, 3, 9, 13))
    autumn = on_call_at(rota, utc(2026, 10, 30, 12))  # DST ends Sunday 1 November
    assert (autumn.shift_start, autumn.shift_end) == (utc(2026, 10, 26, 13), utc(2026, 11, 2, 14))


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_a_year_of_handoffs_all_at_local_nine(zone: str) -> None:
    rota = oncall(("A", "B", "C"), timezone=zone)
    local = ZoneInfo(zone)
    at = utc(2026, 1, 5, 20)
    people = []
    for _ in range(60):
        shift = on_call_at(rota, at)
        assert shift.shift_end.astimezone(local).time() == time(9, 0)
        assert shift.shift_end.astimezone(local).weekday() == 0
        people.append(shift.primary)
        at = shift.shift_end
    assert people[:4] == ["A", "B", "C", "A"]


def test_override_replaces_primary_for_its_span() -> None:
    rota = oncall(overrides=[("U0PAY4", datetime(2026, 12, 24), datetime(2026, 12, 27))])
    before = on_call_at(rota, utc(2026, 12, 22, 12))
    assert (before.primary, before.next_person) == ("U0PAY3", "U0PAY4")
    assert (before.shift_start, before.shift_end) == (utc(2026, 12, 21, 8), utc(2026, 12, 23, 23))
    during = on_call_at(rota, utc(2026, 12, 25, 12))
    assert (during.primary, during.scheduled, during.secondary) == ("U0PAY4", "U0PAY3", "U0PAY1")
    assert (during.shift_start, during.shift_end) == (utc(2026, 12, 23, 23), utc(2026, 12, 26, 23))
    assert during.next_person == "U0PAY3"
    after = on_call_at(rota, utc(2026, 12, 27, 12))
    assert (after.primary, after.next_person) == ("U0PAY3", "U0PAY1")
    assert (after.shift_start, after.shift_end) == (utc(2026, 12, 26, 23), utc(2026, 12, 28, 8))
    assert next_handoff(rota, utc(2026, 12, 22, 12)) == utc(2026, 12, 23, 23)


def test_override_across_a_weekly_handoff() -> None:
    rota = oncall(overrides=[("U0X", datetime(2026, 2, 14), datetime(2026, 2, 18))])
    sunday = on_call_at(rota, utc(2026, 2, 15, 12))
    assert (sunday.primary, sunday.secondary) == ("U0X", "U0PAY1")
    assert (sunday.shift_end, sunday.next_person) == (utc(2026, 2, 16, 8), "U0X")
    monday = on_call_at(rota, utc(2026, 2, 16, 12))
    assert (monday.primary, monday.scheduled, monday.secondary) == ("U0X", "U0PAY1", "U0PAY2")
    assert (monday.shift_end, monday.next_person) == (utc(2026, 2, 17, 23), "U0PAY1")


def test_secondary_skips_the_primary_and_later_overrides_win() -> None:
    rota = oncall(
        overrides=[
            ("U0PAY2", datetime(2026, 2, 10), datetime(2026, 2, 12)),
            ("U0PAY1", datetime(2026, 2, 10), datetime(2026, 2, 11)),
        ]
    )
    shift = on_call_at(rota, T)  # scheduled U0PAY3, next in rotation U0PAY1 = the override
    assert (shift.primary, shift.secondary) == ("U0PAY1", "U0PAY2")
    assert on_call_at(rota, utc(2026, 2, 11, 12)).primary == "U0PAY2"


def test_one_person_rotation_has_no_secondary() -> None:
    shift = on_call_at(oncall(("SOLO",)), T)
    assert (shift.primary, shift.secondary, shift.next_person) == ("SOLO", None, "SOLO")
    assert shift.shift_end - shift.shift_start == timedelta(days=7)


def test_on_call_needs_an_aware_time_and_people() -> None:
    with pytest.raises(ValueError):
        on_call_at(oncall(), datetime(2026, 2, 10, 12))
    with pytest.raises(ValueError):
        on_call_at(oncall(()), T)


def test_aware_non_utc_input_is_accepted() -> None:
    shift = on_call_at(oncall(), datetime(2026, 1, 5, 9, 0, tzinfo=BERLIN))
    assert shift.primary == "U0PAY1"
    assert shift.shift_start == utc(2026, 1, 5, 8, 0)


# --- page targets -----------------------------------------------------------------------------


def test_sev1_routing_merges_per_person() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV1", ["auth"])
    routing = page_targets(cat, impact, T)
    got = [(t.person, t.roles, t.reasons, t.stops_escalation) for t in routing.targets]
    assert got == [
        ("U0ID2", ("oncall",), ("on-call for Identity",), True),
        ("U0IDMGR", ("manager",), ("manager of Identity",), True),
        ("U0EXEC", ("exec",), ("exec",), True),
        (
            "U0CS1",
            ("liaison",),
            ("liaison of Acme Corp, Tier 1", "liaison of Globex, Tier 2"),
            False,
        ),
        ("U0VP1", ("exec_sponsor",), ("exec sponsor of Acme Corp, Tier 1",), False),
    ]
    assert routing.notes == ()
    # Payments and Storefront are hurt only through their dependency on Sign-in: told, not
    # paged; Storefront has neither a rotation nor a manager, so nobody there to tell.
    assert [(t.person, t.reasons, t.stops_escalation) for t in routing.informed] == [
        (
            "U0PAY3",
            ("FYI for Payments: Payments depends on Sign-in; the fix is with its owners",),
            False,
        )
    ]


def test_a_private_incident_pages_responders_only() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV1", ["auth"])
    routing = page_targets(cat, impact, T, private=True)
    assert [t.person for t in routing.targets] == ["U0ID2", "U0IDMGR", "U0EXEC"]
    assert routing.informed == ()
    assert any("liaisons and exec sponsors are not paged" in note for note in routing.notes)


def test_a_service_named_later_makes_its_team_an_owner() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV1", ["auth", "payments"])
    routing = page_targets(cat, impact, T)
    people = [t.person for t in routing.targets]
    assert people[:2] == ["U0ID2", "U0PAY3"]
    assert "dana@example.com" in people
    assert routing.informed == ()


def test_dedup_merges_roles_and_reasons_and_keeps_escalation_stopper() -> None:
    pol = policy()
    sev2 = pol.severities[1]
    pol = policy(
        severities=(
            pol.severities[0],
            type(sev2)(
                sev2.id,
                sev2.label,
                sev2.rank,
                sev2.ack_within,
                sev2.update_every,
                ("oncall", "secondary", "manager", "U0PAY3"),
            ),
            *pol.severities[2:],
        )
    )
    cat = catalog(
        teams=[
            team("payments", "Payments", manager="U0BOSS", rotation=("U0PAY1", "U0PAY2", "U0PAY3")),
            team("storefront", "Storefront", manager="U0PAY3", rotation=("U0PAY1",)),
        ],
        services=[service("payments", "payments"), service("checkout", "storefront", "payments")],
        accounts=[account("acme", "Acme", tier=1, uses=("checkout",), liaison="U0PAY3")],
        policy_=pol,
    )
    named = ["payments", "checkout"]
    routing = page_targets(cat, assess(RoutingIndex.build(cat), "SEV2", named), T)
    merged = routing.target("U0PAY3")
    assert merged is not None
    assert merged.roles == ("oncall", "manager", "user", "liaison")
    assert merged.reasons == (
        "on-call for Payments",
        "manager of Storefront",
        "listed in the SEV2 page list",
        "liaison of Acme, Tier 1",
    )
    assert merged.stops_escalation
    solo = routing.target("U0PAY1")
    assert solo is not None
    assert solo.reasons == ("on-call for Storefront", "secondary for Payments")
    assert routing.people.count("U0PAY3") == 1
    assert "Storefront has nobody else in its rotation to page as secondary" in routing.notes
    assert "1 affected Tier 1 account(s) have no exec sponsor: Acme" in routing.notes


def test_many_accounts_group_per_liaison_and_summarise_gaps() -> None:
    accounts = [
        account(
            f"a{i:02d}",
            f"Account {i:02d}",
            tier=2,
            uses=("api",),
            liaison=None if i % 2 else f"U0CS{i % 4}",
        )
        for i in range(12)
    ]
    cat = catalog(
        [team("core", "Core", manager="U0M", rotation=("U0A",))], [service("api", "core")], accounts
    )
    impact = assess(RoutingIndex.build(cat), "SEV4", ["api"])
    names = impact.accounts.names_in_tier(2)
    assert len(names) == 12 and names[9] == "Account 09" and names[-1] == "Account 11"
    assert list(names[10:]) == ["Account 10", "Account 11"]
    routing = page_targets(cat, impact, T)
    assert routing.people == ("U0CS0", "U0CS2")
    cs0 = routing.target("U0CS0")
    assert cs0 is not None and cs0.reasons == (
        "liaison of Account 00, Tier 2",
        "liaison of Account 04, Tier 2",
        "liaison of Account 08, Tier 2",
    )
    assert routing.notes == (
        "6 affected Tier 2 account(s) have no liaison: Account 01, Account 03, Account 05, …",
    )


def test_severity_override_reroutes_without_reassessing() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV3", ["auth"])
    assert impact.severity.severity == "SEV2"
    assert "U0EXEC" not in page_targets(cat, impact, T).people
    assert "U0EXEC" in page_targets(cat, impact, T, severity_override="SEV1").people


def test_tier_lists_page_only_their_own_accounts() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV4", ["auth"])
    sponsor = page_targets(cat, impact, T).target("U0VP1")
    assert sponsor is not None and sponsor.reasons == ("exec sponsor of Acme Corp, Tier 1",)
    assert "U0CS2" not in page_targets(cat, impact, T).people  # Initech is Tier 3


def test_escalation_levels_and_delays() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV2", ["payments"])
    first = escalation_targets(cat, impact, 0, T)
    assert first.people == ("U0PAY1", "dana@example.com")
    assert first.target("U0PAY1") == first.targets[0]
    assert first.targets[0].reasons == ("secondary for Payments",)
    assert escalation_targets(cat, impact, 1, T).people == ("U0EXEC",)
    with pytest.raises(IndexError):
        escalation_targets(cat, impact, 2, T)
    assert escalation_delay(cat.policy, "SEV2", 0) == 15 * MIN
    assert escalation_delay(cat.policy, "SEV1", 1) == 5 * MIN
    fixed = EscalationLevel(after=timedelta(minutes=7), page=("exec",))
    assert escalation_delay(cat.policy, "SEV1", fixed) == 7 * MIN


def test_manual_pages_by_team_and_service() -> None:
    cat = spec_catalog()
    by_team = team_targets(cat, "payments", T)
    assert [(t.person, t.reasons) for t in by_team.targets] == [
        ("U0PAY3", ("on-call for Payments",))
    ]
    assert service_targets(cat, "auth", T).people == ("U0ID2",)
    nobody = team_targets(cat, "storefront", T)
    assert nobody.targets == ()
    assert nobody.notes == (
        "Storefront has neither an on-call rotation nor a manager; nobody to page",
    )
    managed = catalog([team("ops", "Ops", manager="U0M")], [])
    fallback = team_targets(managed, "ops", T)
    assert fallback.people == ("U0M",)
    assert fallback.notes == ("Ops has no on-call rotation; paging its manager instead",)


def test_routing_is_pure() -> None:
    """SPEC 6: routing imports no Slack, HTTP, database or scheduler code."""
    import ast
    from pathlib import Path

    import app.routing

    forbidden = (
        "slack",
        "slack_sdk",
        "slack_bolt",
        "sqlalchemy",
        "apscheduler",
        "httpx",
        "aiohttp",
        "requests",
        "starlette",
        "app.store",
        "app.slack",
        "app.handlers",
    )
    for path in Path(app.routing.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"


def test_roster_by_team_service_or_everyone() -> None:
    from app.domain.errors import NotFound
    from app.routing.roster import roster, teams_for

    built = catalog(
        [team("payments", "Payments", rotation=("U0PAY1", "U0PAY2", "U0PAY3")), team("ops", "Ops")],
        [service("payments", "payments"), service("auth", "ops")],
    )
    assert teams_for(built, "") == ["ops", "payments"]
    assert teams_for(built, "Payments") == ["payments"]
    assert teams_for(built, "auth") == ["ops"]
    with pytest.raises(NotFound, match="Did you mean `payments`"):
        teams_for(built, "paymnts")
    ops, payments = roster(built, ["ops", "payments"], T)
    assert ops.primary is None
    rotation = built.teams["payments"].oncall
    assert rotation is not None
    shift = on_call_at(rotation, T)
    assert (payments.primary, payments.secondary, payments.handoff) == (
        shift.primary,
        shift.secondary,
        next_handoff(rotation, T),
    )
