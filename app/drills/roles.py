"""Who a drill step means: the holder of a role of the configuration at a given moment."""

from __future__ import annotations

from datetime import datetime

from app.catalog.models import Catalog
from app.drills.script import DrillError
from app.routing.oncall import on_call_at


def role_holder(catalog: Catalog, ref: str, now: datetime) -> str:
    """Who holds a role of the configuration now; other references are returned as given."""
    role, _, name = ref.partition(":")
    workspace = catalog.policy.workspace
    if role == "exec" and workspace.execs:
        return workspace.execs[0]
    if role == "approver" and workspace.approvers:
        return workspace.approvers[0]
    if role == "commander":
        name = workspace.commanders_team or ""
        role = "oncall"
    if role in ("oncall", "secondary", "manager"):
        team = catalog.teams.get(name)
        if team is None:
            raise DrillError(f"{ref}: no team {name!r}")
        if role == "manager":
            if not team.manager:
                raise DrillError(f"{ref}: team {name} has no manager")
            return team.manager
        if team.oncall is None:
            raise DrillError(f"{ref}: team {name} has no on-call rotation")
        shift = on_call_at(team.oncall, now)
        person = shift.primary if role == "oncall" else shift.secondary
        if person is None:
            raise DrillError(f"{ref}: nobody is secondary in a one-person rotation")
        return person
    if role in ("liaison", "exec_sponsor"):
        account = catalog.accounts.get(name)
        if account is None:
            raise DrillError(f"{ref}: no account {name!r}")
        holder = account.liaison if role == "liaison" else account.exec_sponsor
        if not holder:
            raise DrillError(f"{ref}: account {name} has no {role}")
        return holder
    return ref
