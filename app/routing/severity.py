"""Severity floors and update cadence implied by the accounts an incident touches.

A responder declares what they see; the policy may know that a Tier 1 customer being hurt
deserves more. The raise is never silent: each one carries a sentence the channel can show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from app.catalog.models import Policy


@dataclass(frozen=True)
class SeverityDecision:
    severity: str
    declared: str
    raised_by: tuple[str, ...] = ()
    """Why ``severity`` is more severe than ``declared``; empty when it is not."""

    @property
    def raised(self) -> bool:
        return self.severity != self.declared


def _accounts_phrase(tier: int, names: Sequence[str] | None) -> tuple[str, bool]:
    """(subject, plural) for the reason sentence; names are listed up to three."""
    if not names:
        return f"an affected Tier {tier} account", False
    count = len(names)
    if count == 1:
        return f"Tier {tier} account {names[0]}", False
    if count <= 3:
        listed = ", ".join(names[i] for i in range(count - 1))
        return f"Tier {tier} accounts {listed} and {names[count - 1]}", True
    return f"Tier {tier} accounts {names[0]}, {names[1]} and {count - 2} more", True


def effective_severity(
    policy: Policy,
    declared: str,
    tiers: Iterable[int],
    *,
    names: Mapping[int, Sequence[str]] | None = None,
) -> SeverityDecision:
    """The more severe of ``declared`` and every affected tier's ``min_severity``.

    ``names`` (affected account names per tier, in display order) only improves the wording.
    Reasons are given for the tiers that set the final severity, since those explain it.
    """
    rank = {severity.id: position for position, severity in enumerate(policy.severities)}
    if declared not in rank:
        raise KeyError(declared)
    floors: dict[int, str] = {}
    for tier in sorted(set(tiers)):
        floor = policy.tier_rule(tier).min_severity
        if floor is not None:
            if floor not in rank:
                raise KeyError(floor)
            floors[tier] = floor
    best = min([declared, *floors.values()], key=rank.__getitem__)
    if best == declared:
        return SeverityDecision(severity=declared, declared=declared)
    reasons = []
    for tier, floor in floors.items():
        if floor == best:
            subject, plural = _accounts_phrase(tier, (names or {}).get(tier))
            verb = "require" if plural else "requires"
            reasons.append(f"{subject} {verb} at least {floor}")
    return SeverityDecision(severity=best, declared=declared, raised_by=tuple(reasons))


def update_interval(policy: Policy, severity: str, tiers: Iterable[int]) -> timedelta | None:
    """Shortest of the severity's ``update_every`` and each affected tier's; None if none set."""
    candidates = [policy.severity(severity).update_every]
    candidates.extend(policy.tier_rule(tier).update_every for tier in set(tiers))
    present = [interval for interval in candidates if interval is not None]
    return min(present, default=None)


INITIAL_NOTICE_RANKS = 2
"""The most severe levels (SEV1 and SEV2 in the example policy) get a customer notice at once."""


def severity_rank(policy: Policy, severity: str) -> int:
    """0 for the most severe level in ``policy.yaml``; KeyError for an unknown one."""
    return policy.severity(severity).rank


def needs_initial_notice(
    policy: Policy, severity: str, *, customer_visible: bool, private: bool
) -> bool:
    """SPEC 5.1 step 5: SEV1/SEV2-like incidents with customer-visible impact get their first
    customer notice drafted at declaration; private incidents never publish."""
    return (
        customer_visible and not private and severity_rank(policy, severity) < INITIAL_NOTICE_RANKS
    )
