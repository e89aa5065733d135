"""Checks of the publishing blocks (SPEC 3, 5.9) that need more than one file or block."""

from __future__ import annotations

from app.catalog.checks import _entries, _name, _names, _section, _unknown
from app.catalog.errors import ConfigIssue
from app.catalog.sources import Source


def check_publishing(policy: Source, services: Source | None) -> list[ConfigIssue]:
    """``status_page.components`` name services; a tier's ``email: true`` needs ``email:``."""
    issues: list[ConfigIssue] = []
    known = _section(services.data if services else None, "services")
    components = _section(policy.data, "status_page").get("components")
    for index, item in enumerate(components if known and isinstance(components, list) else []):
        service = _name(item)
        if service is not None and service not in _names(known):
            path = ("status_page", "components", index)
            issues.append(policy.issue(path, _unknown("service", service, known)))
    if not _section(policy.data, "email"):
        for tier, rule in _entries(policy.data, "tiers"):
            if rule.get("email") is True:
                message = f"tier {tier} has `email: true` but policy.yaml has no `email:` block"
                issues.append(policy.issue(("tiers", tier, "email"), message))
    return issues
