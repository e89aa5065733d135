"""Checks that span entries or files: references, dependency cycles, duplicates.

They read the raw file data rather than validated models, so they still run when some entries
have schema errors, and one pass reports everything. Values of the wrong type are skipped here:
the schema already reported them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from app.catalog.errors import ConfigIssue
from app.catalog.sources import Source
from app.catalog.suggest import did_you_mean


def _section(data: Any, *keys: str) -> dict[Any, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _entries(data: Any, *keys: str) -> Iterator[tuple[Any, dict[Any, Any]]]:
    for key, value in _section(data, *keys).items():
        if isinstance(value, dict):
            yield key, value


def _name(value: Any) -> str | None:
    """A reference as the schema will read it: YAML gives ``5`` for an id written ``5``."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def _names(section: dict[Any, Any]) -> set[str]:
    return {name for name in map(_name, section) if name is not None}


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    names = [str(name) for name in known]
    hint = did_you_mean(value, names)
    return f"unknown {kind} `{value}`" + (f".{hint}" if hint else f" (known: {', '.join(names)})")


def _defined_tiers(policy: Source | None) -> set[int]:
    tiers = _section(policy.data if policy else None, "impact_matrix", "tiers")
    return {tier for tier in tiers if isinstance(tier, int) and not isinstance(tier, bool)}


def check_policy(policy: Source) -> list[ConfigIssue]:
    severities = _section(policy.data, "severities")
    defined = _defined_tiers(policy)
    issues: list[ConfigIssue] = []
    for tier, rule in _entries(policy.data, "tiers"):
        if defined and isinstance(tier, int) and tier not in defined:
            message = f"tier {tier} is not defined in `impact_matrix.tiers`"
            issues.append(policy.issue(("tiers", tier), message))
        minimum = _name(rule.get("min_severity"))
        if minimum is not None and minimum not in _names(severities):
            path = ("tiers", tier, "min_severity")
            issues.append(policy.issue(path, _unknown("severity", minimum, severities)))
    return issues


def check_commanders(policy: Source, services: Source | None) -> list[ConfigIssue]:
    """``commanders: team:<id>`` names a team with a rotation (it is the roster), and the
    ``commander`` page target needs such a team: it pages that team's on-call."""
    roster = _section(policy.data, "workspace").get("commanders")
    team_id = roster[5:] if isinstance(roster, str) and roster.startswith("team:") else None
    teams = _section(services.data if services else None, "teams")
    issues: list[ConfigIssue] = []
    where = ("workspace", "commanders")
    if team_id is not None and services is not None:
        team = teams.get(team_id)
        if team_id not in _names(teams):
            issues.append(policy.issue(where, _unknown("team", team_id, teams)))
        elif not isinstance(team, dict) or not isinstance(team.get("oncall"), dict):
            message = (
                f"team `{team_id}` has no on-call rotation: it cannot be the commanders roster"
            )
            issues.append(policy.issue(where, message))
    if team_id is None:
        for path in _page_lists(policy.data):
            entries = _section_list(policy.data, path)
            for index, entry in enumerate(entries):
                if entry == "commander":
                    message = (
                        "page target `commander` needs `workspace.commanders: team:<id>`"
                        " (its on-call is the commander paged)"
                    )
                    issues.append(policy.issue((*path, index), message))
    return issues


def _page_lists(data: Any) -> Iterator[tuple[Any, ...]]:
    for severity, _ in _entries(data, "severities"):
        yield ("severities", severity, "page")
    for tier, _ in _entries(data, "tiers"):
        yield ("tiers", tier, "page")
    levels = data.get("escalation") if isinstance(data, dict) else None
    for index, level in enumerate(levels if isinstance(levels, list) else []):
        if isinstance(level, dict):
            yield ("escalation", index, "page")


def _section_list(data: Any, path: tuple[Any, ...]) -> list[Any]:
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return []
    return data if isinstance(data, list) else []


def check_services(services: Source) -> list[ConfigIssue]:
    teams = _section(services.data, "teams")
    known = _section(services.data, "services")
    team_ids, service_ids = _names(teams), _names(known)
    issues: list[ConfigIssue] = []
    graph: dict[str, list[str]] = {}
    where: dict[tuple[str, str], tuple[Any, ...]] = {}
    """(service, dependency) -> path of that ``depends_on`` item, to place a cycle."""
    for service_id, service in _entries(services.data, "services"):
        team = _name(service.get("team"))
        if team is not None and team not in team_ids:
            message = _unknown("team", team, teams)
            issues.append(services.issue(("services", service_id, "team"), message))
        depends_on = service.get("depends_on")
        edges = graph.setdefault(str(service_id), [])
        for index, item in enumerate(depends_on if isinstance(depends_on, list) else []):
            dependency = _name(item)
            if dependency is None:
                continue
            path: tuple[Any, ...] = ("services", service_id, "depends_on", index)
            if dependency in service_ids:
                edges.append(dependency)
                where.setdefault((str(service_id), dependency), path)
            else:
                issues.append(services.issue(path, _unknown("service", dependency, known)))
    for cycle in find_cycles(graph):
        message = "dependency cycle: " + " -> ".join(cycle)
        issues.append(services.issue(where[(cycle[0], cycle[1])], message))
    return issues


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle once, as a closed path from its first node in ``graph`` order."""
    done: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        stack.append(node)
        for successor in graph.get(node, ()):
            if successor in stack:
                cycles.append([*stack[stack.index(successor) :], successor])
            elif successor not in done:
                visit(successor)
        stack.pop()
        done.add(node)

    for node in graph:
        if node not in done:
            visit(node)
    return cycles


def check_accounts(
    accounts: Source, policy: Source | None, services: Source | None
) -> list[ConfigIssue]:
    """``dependence``, ``tier`` and ``uses`` against the policy and the services, when readable."""
    levels = _section(policy.data if policy else None, "impact_matrix", "dependence")
    level_names = _names(levels)
    tiers = _defined_tiers(policy)
    known = _section(services.data if services else None, "services")
    service_ids = _names(known)
    issues: list[ConfigIssue] = []
    for account_id, account in _entries(accounts.data, "accounts"):
        at = ("accounts", account_id)
        dependence = _name(account.get("dependence"))
        if level_names and dependence is not None and dependence not in level_names:
            message = _unknown("dependence", dependence, levels)
            issues.append(accounts.issue((*at, "dependence"), message))
        tier = _as_int(account.get("tier"))
        if tiers and tier is not None and tier not in tiers:
            message = f"tier {tier} is not defined in `impact_matrix.tiers`"
            issues.append(accounts.issue((*at, "tier"), message))
        uses = account.get("uses")
        if not service_ids or not isinstance(uses, list) or _all_known(uses, service_ids):
            continue
        for index, item in enumerate(uses):
            service = _name(item)
            if service is not None and service not in service_ids:
                message = _unknown("service", service, known)
                issues.append(accounts.issue((*at, "uses", index), message))
    return issues


def _all_known(items: list[Any], known: set[str]) -> bool:
    """Whether every item is a known id, in one C call: the common case, worth skipping the
    per-item walk for with 100,000 accounts (a list or mapping among the items: no)."""
    try:
        return known.issuperset(items)
    except TypeError:
        return False


def check_duplicate_accounts(sources: list[Source]) -> list[ConfigIssue]:
    """An account defined in both accounts.yaml and accounts.csv: which one wins is a guess."""
    first_seen: dict[str, tuple[Source, Any]] = {}
    issues: list[ConfigIssue] = []
    for source in sources:
        for account_id in _section(source.data, "accounts"):
            other, other_id = first_seen.setdefault(str(account_id), (source, account_id))
            if other is not source:
                where = f"{other.file}:{other.line(('accounts', other_id))}"
                message = f"duplicate account `{account_id}` (also defined at {where})"
                issues.append(source.issue(("accounts", account_id), message))
    return issues


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
