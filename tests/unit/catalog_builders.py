"""Hand-built catalogs for unit tests: the SPEC section 3 example, with small knobs.

Tests stay independent of the YAML loader; every default mirrors the SPEC so a test only spells
out what it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from app.catalog.models import (
    Account,
    Catalog,
    EscalationLevel,
    ImpactMatrix,
    OnCall,
    Override,
    Policy,
    Service,
    Severity,
    Team,
    TierRule,
    Workspace,
)

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def workspace(execs: tuple[str, ...] = ("U0EXEC",)) -> Workspace:
    return Workspace(
        announce_channel="#incidents",
        cs_channel="#cs-incidents",
        channel_prefix="inc",
        approvers=("U0APPROVER",),
        execs=execs,
        remind_before=5 * MIN,
    )


def severities() -> tuple[Severity, ...]:
    return (
        Severity("SEV1", "Critical", 0, 5 * MIN, 30 * MIN, ("oncall", "manager", "exec")),
        Severity("SEV2", "Major", 1, 15 * MIN, HOUR, ("oncall", "manager")),
        Severity("SEV3", "Minor", 2, HOUR, 4 * HOUR, ("oncall",)),
        Severity("SEV4", "Low", 3, 4 * HOUR, None, ()),
    )


def matrix() -> ImpactMatrix:
    return ImpactMatrix(
        value_high=500_000,
        value_medium=100_000,
        exposure_high=10_000,
        exposure_medium=1_000,
        dependence=(("critical", 3), ("high", 2), ("standard", 1)),
        tiers=((1, 8), (2, 6), (3, 0)),
    )


def tier_rules() -> tuple[TierRule, ...]:
    return (
        TierRule(
            1,
            min_severity="SEV2",
            update_every=15 * MIN,
            page=("liaison", "exec_sponsor"),
            thread=True,
        ),
        TierRule(2, update_every=30 * MIN, page=("liaison",), thread=True),
        TierRule(3, thread=False),
    )


def policy(**changes: object) -> Policy:
    base = Policy(
        workspace=workspace(),
        severities=severities(),
        impact_matrix=matrix(),
        tiers=tier_rules(),
        escalation=(
            EscalationLevel(after="ack_within", page=("secondary", "manager")),
            EscalationLevel(after="ack_within", page=("exec",)),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def oncall(
    rotation: Iterable[str] = ("U0PAY1", "U0PAY2", "U0PAY3"),
    *,
    timezone: str = "Europe/Berlin",
    weekday: int = 0,
    at: time = time(9, 0),
    start: date = date(2026, 1, 5),
    overrides: Iterable[tuple[str, datetime, datetime]] = (),
) -> OnCall:
    return OnCall(
        timezone=timezone,
        handoff_weekday=weekday,
        handoff_time=at,
        start=start,
        rotation=tuple(rotation),
        overrides=tuple(Override(user, begin, end) for user, begin, end in overrides),
    )


def team(
    team_id: str,
    name: str | None = None,
    *,
    manager: str | None = None,
    rotation: Iterable[str] | None = None,
    oncall_config: OnCall | None = None,
) -> Team:
    schedule = oncall_config
    if schedule is None and rotation is not None:
        schedule = oncall(rotation)
    return Team(team_id, name or team_id.title(), manager=manager, oncall=schedule)


def service(service_id: str, team_id: str, *depends_on: str, name: str | None = None) -> Service:
    return Service(service_id, name or service_id.title(), team_id, depends_on=depends_on)


def account(
    account_id: str,
    name: str,
    *,
    arr: int = 50_000,
    users: int = 100,
    dependence: str = "standard",
    uses: Iterable[str] = (),
    liaison: str | None = None,
    exec_sponsor: str | None = None,
    tier: int | None = None,
) -> Account:
    return Account(
        account_id,
        name,
        arr,
        users,
        dependence,
        tuple(uses),
        liaison=liaison,
        exec_sponsor=exec_sponsor,
        tier=tier,
    )


def catalog(
    teams: Iterable[Team],
    services: Iterable[Service],
    accounts: Iterable[Account] = (),
    *,
    policy_: Policy | None = None,
) -> Catalog:
    return Catalog(
        policy=policy_ or policy(),
        teams={item.id: item for item in teams},
        services={item.id: item for item in services},
        accounts={item.id: item for item in accounts},
    )


def spec_catalog(**policy_changes: object) -> Catalog:
    """SPEC section 3, plus a Tier 2 and a Tier 3 account to route against."""
    return catalog(
        teams=[
            team(
                "identity",
                "Identity",
                manager="U0IDMGR",
                oncall_config=oncall(("U0ID1", "U0ID2"), timezone="America/New_York"),
            ),
            team(
                "payments",
                "Payments",
                manager="dana@example.com",
                rotation=("U0PAY1", "U0PAY2", "U0PAY3"),
            ),
            team("storefront", "Storefront", manager=None, rotation=None),
        ],
        services=[
            service("auth", "identity", name="Sign-in"),
            service("payments", "payments", "auth", name="Payments"),
            service("checkout", "storefront", "payments", name="Checkout"),
        ],
        accounts=[
            account(
                "acme",
                "Acme Corp",
                arr=1_200_000,
                users=25_000,
                dependence="critical",
                uses=("checkout", "payments"),
                liaison="U0CS1",
                exec_sponsor="U0VP1",
            ),
            account(
                "globex",
                "Globex",
                arr=200_000,
                users=5_000,
                dependence="high",
                uses=("payments",),
                liaison="U0CS1",
            ),
            account("initech", "Initech", uses=("auth",), liaison="U0CS2"),
            account("hooli", "Hooli", tier=1, liaison="U0CS3", exec_sponsor="U0VP1"),
        ],
        policy_=policy(**policy_changes),
    )
