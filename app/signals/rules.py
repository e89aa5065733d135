"""The first matching ``signals.rules`` entry decides a signal's fate (SPEC 5.8)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.catalog.models import LabelMatcher, Policy, SignalDecision, SignalRule, SignalsConfig
from app.signals.model import Signal


@dataclass(frozen=True)
class Decision:
    declare: SignalDecision
    severity: str
    rule: int | None
    """Index of the rule that matched; None when none did (triage by default)."""


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(matcher: LabelMatcher, labels: dict[str, str]) -> bool:
    """Exact equality, or an anchored regex as Alertmanager's own ``=~`` matchers are."""
    value = labels.get(matcher.label)
    if value is None:
        return False
    if matcher.regex:
        return _compiled(matcher.value).fullmatch(value) is not None
    return value == matcher.value


def first_rule(rules: tuple[SignalRule, ...], signal: Signal) -> tuple[int, SignalRule] | None:
    labels = signal.matching_labels()
    for index, rule in enumerate(rules):
        if all(matches(matcher, labels) for matcher in rule.match):
            return index, rule
    return None


def decide(policy: Policy, config: SignalsConfig, signal: Signal) -> Decision:
    """The rule's decision and severity; without one, the signal's own severity when Beacon
    knows it, else the least severe one (the tiers' minimums may still raise it)."""
    found = first_rule(config.rules, signal)
    known = {severity.id for severity in policy.severities}
    fallback = signal.severity if signal.severity in known else policy.severities[-1].id
    if found is None:
        return Decision(declare="triage", severity=fallback, rule=None)
    index, rule = found
    severity = rule.severity if rule.severity in known else fallback
    assert severity is not None
    return Decision(declare=rule.declare, severity=severity, rule=index)
