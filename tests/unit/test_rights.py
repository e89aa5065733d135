"""The decision rights of SPEC 5.10, as a table of who may do what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.rights import (
    CardStanding,
    Roster,
    Standing,
    may_act,
    may_authorise,
    may_command,
    may_decide_words,
    may_edit_words,
    may_tick,
    may_triage,
)
from app.routing.roster import roster_of
from tests.unit import catalog_builders

ROSTER = Roster(
    approvers=frozenset({"U0APPR"}),
    commanders=frozenset({"U0CMD"}),
    managers={"payments": "U0PAYMGR", "search": "U0SEARCHMGR"},
)
INCIDENT = Standing(
    ref="INC-7",
    commander="U0IC",
    comms_lead="U0COMMS",
    paged=frozenset({"U0ONCALL"}),
    channel_id="C0INC7",
    teams=("payments",),
)
EVERYONE = ("U0IC", "U0COMMS", "U0ONCALL", "U0CMD", "U0APPR", "U0PAYMGR", "U0SEARCHMGR", "U0NOBODY")


def allowed(check: object) -> set[str]:
    return {person for person in EVERYONE if check(person).allowed}  # type: ignore[operator]


def test_command_is_for_the_ic_commanders_and_approvers() -> None:
    assert allowed(lambda p: may_command(p, INCIDENT, ROSTER)) == {"U0IC", "U0CMD", "U0APPR"}
    refusal = may_command("U0NOBODY", INCIDENT, ROSTER).refusal("name the incident commander")
    assert refusal == (
        "Only the incident commander (<@U0IC>), a commander or an approver may name the"
        " incident commander."
    )


def test_acting_from_elsewhere_is_for_responders_commanders_and_approvers() -> None:
    outside = allowed(lambda p: may_act(p, "C0GENERAL", INCIDENT, ROSTER))
    assert outside == {"U0IC", "U0COMMS", "U0ONCALL", "U0CMD", "U0APPR"}
    assert allowed(lambda p: may_act(p, "C0INC7", INCIDENT, ROSTER)) == set(EVERYONE)
    assert not may_act("U0NOBODY", None, INCIDENT, ROSTER).allowed  # a DM, App Home, a form


def test_an_incident_without_a_channel_yet_is_acted_on_only_by_its_people() -> None:
    opening = Standing(ref="INC-8", commander="U0IC", channel_id=None)
    assert not may_act("U0NOBODY", None, opening, ROSTER).allowed
    assert may_act("U0IC", None, opening, ROSTER).allowed


def test_customer_words_are_decided_by_the_ic_or_an_approver() -> None:
    assert allowed(lambda p: may_decide_words(p, INCIDENT, ROSTER)) == {"U0IC", "U0APPR"}
    editors = allowed(lambda p: may_edit_words(p, INCIDENT, ROSTER, "U0ONCALL"))
    assert editors == {"U0IC", "U0APPR", "U0COMMS", "U0ONCALL"}


def test_checklist_is_for_the_liaison_the_ic_and_approvers_only() -> None:
    verdict = may_tick("U0CS", INCIDENT, ROSTER, liaison="U0CS", account="Acme Corp")
    assert verdict.allowed
    tickers = allowed(lambda p: may_tick(p, INCIDENT, ROSTER, liaison="U0CS", account="Acme"))
    assert tickers == {"U0IC", "U0APPR"}  # commanders and subscribers are not listed here
    assert (
        "Acme's liaison (<@U0CS>)"
        in may_tick("U0X", INCIDENT, ROSTER, liaison="U0CS", account="Acme").who
    )


@pytest.mark.parametrize(
    ("requester", "expected"),
    [
        ("U0ONCALL", {"U0IC", "U0CMD", "U0PAYMGR"}),
        ("U0CMD", {"U0IC", "U0PAYMGR"}),  # a commander may not authorise their own request
        ("U0IC", {"U0IC", "U0CMD", "U0PAYMGR"}),  # the IC may
    ],
)
def test_mitigations_are_authorised_by_the_ic_a_commander_or_an_affected_manager(
    requester: str, expected: set[str]
) -> None:
    deciders = allowed(lambda p: may_authorise(p, INCIDENT, ROSTER, requested_by=requester))
    assert deciders == expected  # the manager of an unaffected team (search) may not


def test_roster_resolves_emails_and_takes_the_whole_rotation() -> None:
    base = catalog_builders.spec_catalog()
    command = catalog_builders.team(
        "command", manager="ann@example.com", rotation=("U0CMD1", "lee@example.com")
    )
    workspace = replace(
        base.policy.workspace, approvers=("U0APPR", "pat@example.com"), commanders_team="command"
    )
    catalog = replace(
        base,
        policy=replace(base.policy, workspace=workspace),
        teams={**base.teams, "command": command},
    )
    known = {"pat@example.com": "U0PAT", "lee@example.com": "U0LEE", "ann@example.com": "U0ANN"}
    at = datetime(2026, 3, 3, tzinfo=UTC)
    roster = roster_of(catalog, lambda p: known.get(p, p), at)
    assert roster.approvers == {"U0APPR", "U0PAT"}
    assert roster.commanders == {"U0CMD1", "U0LEE"}
    assert roster.manager_of("command") == "U0ANN"
    later = roster_of(catalog, lambda p: known.get(p, p), at + timedelta(days=7))
    assert later.commanders == roster.commanders  # the roster is the rotation, not the shift


def test_a_triage_card_is_decided_by_its_team_whom_it_would_page_commanders_and_approvers() -> None:
    card = CardStanding(
        service="Payments", owners=frozenset({"U0PAYMGR", "U0ONCALL"}), paged=frozenset({"U0IC"})
    )
    assert allowed(lambda p: may_triage(p, card, ROSTER)) == {
        "U0PAYMGR",
        "U0ONCALL",
        "U0IC",
        "U0CMD",
        "U0APPR",
    }
    assert may_triage("U0NOBODY", card, ROSTER).refusal("dismiss the triage card on Payments") == (
        "Only the on-call rotation or manager of Payments's team, the people the card would"
        " page, a commander or an approver may dismiss the triage card on Payments."
    )
