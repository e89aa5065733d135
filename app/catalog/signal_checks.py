"""Checks of the ``signals:`` block (SPEC 3, 5.8) that need the rest of the configuration.

A rule naming an unknown severity or service would silently never do what its author meant, so
both are reported with their line like every other dangling reference.
"""

from __future__ import annotations

import re
from typing import Any

from app.catalog.checks import _name, _names, _section, _unknown
from app.catalog.errors import ConfigIssue
from app.catalog.sources import Source


def check_signals(policy: Source, services: Source | None) -> list[ConfigIssue]:
    """Each rule's ``severity`` is a defined severity; an exact ``service`` matcher is a service."""
    signals = _section(policy.data, "signals")
    rules = signals.get("rules")
    severities = _section(policy.data, "severities")
    known = _section(services.data if services else None, "services")
    issues: list[ConfigIssue] = []
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        issues += _rule_issues(policy, index, rule, severities, known)
    return issues


def _rule_issues(
    policy: Source,
    index: int,
    rule: dict[Any, Any],
    severities: dict[Any, Any],
    known: dict[Any, Any],
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    where = ("signals", "rules", index)
    severity = _name(rule.get("severity"))
    if severity is not None and severities and severity not in _names(severities):
        issues.append(
            policy.issue((*where, "severity"), _unknown("severity", severity, severities))
        )
    match = rule.get("match")
    service = _name(match.get("service")) if isinstance(match, dict) else None
    if service and known and not service.startswith("~") and service not in _names(known):
        issues.append(
            policy.issue((*where, "match", "service"), _unknown("service", service, known))
        )
    if service and known and service.startswith("~") and not _matches_any(service[1:], known):
        message = (
            f"`service: {service}` matches no service (known: {', '.join(sorted(_names(known)))})"
        )
        issues.append(policy.issue((*where, "match", "service"), message))
    return issues


def _matches_any(pattern: str, known: dict[Any, Any]) -> bool:
    """A regex on ``service`` that matches no service is a typo; a bad one is the schema's."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return True
    return any(compiled.fullmatch(service) for service in _names(known))
