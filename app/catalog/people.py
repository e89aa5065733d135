"""Every person (email or Slack user id) the configuration names, with where, so people
Slack does not know, or cannot page, can be reported."""

from __future__ import annotations

from collections import defaultdict

from app.catalog.models import Catalog


def emails(catalog: Catalog) -> dict[str, list[str]]:
    return {person: places for person, places in people(catalog).items() if "@" in person}


def people(catalog: Catalog) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)

    def add(person: str | None, where: str) -> None:
        if person:
            found[person].append(where)

    workspace = catalog.policy.workspace
    for person in workspace.approvers:
        add(person, "approver")
    for person in workspace.execs:
        add(person, "exec")
    for person in workspace.commanders:
        add(person, "commander")
    for team in catalog.teams.values():
        add(team.manager, f"manager of {team.name}")
        if team.oncall:
            for person in team.oncall.rotation:
                add(person, f"on-call rotation of {team.name}")
            for override in team.oncall.overrides:
                add(override.user, f"on-call override in {team.name}")
    for account in catalog.accounts.values():
        add(account.liaison, f"liaison of {account.name}")
        add(account.exec_sponsor, f"exec sponsor of {account.name}")
    return dict(found)
