"""The first matching rule decides (SPEC 5.8): exact and ``~regex`` matchers, defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.catalog.loader import load_catalog
from app.signals import patterns
from app.signals.grouping import card_for, likely_cause_first
from app.signals.model import Signal
from app.signals.rules import decide
from tests.unit.test_signals_config import _config


def _signal(**labels: str) -> Signal:
    service = labels.pop("service", "checkout")
    return Signal("alertmanager", "f1", "firing", service, "summary", labels)


def test_first_matching_rule_decides(tmp_path: Path) -> None:
    policy = load_catalog(_config(tmp_path)).policy
    config = policy.signals
    assert config is not None
    auto = decide(policy, config, _signal(alertname="CheckoutErrorRate", severity="critical"))
    assert (auto.declare, auto.severity, auto.rule) == ("auto", "SEV2", 0)
    regex = decide(policy, config, _signal(service="payments", severity="critical"))
    assert (regex.declare, regex.severity, regex.rule) == ("triage", "SEV1", 1)
    anchored = decide(policy, config, _signal(service="mypayments", severity="critical"))
    assert anchored.rule is None
    ignored = decide(policy, config, _signal(env="staging"))
    assert ignored.declare == "ignore"


def test_no_rule_means_triage_at_the_least_severe_level(tmp_path: Path) -> None:
    policy = load_catalog(_config(tmp_path)).policy
    assert policy.signals is not None
    decision = decide(policy, policy.signals, _signal(team="x"))
    assert (decision.declare, decision.severity, decision.rule) == ("triage", "SEV4", None)


def test_grouping_puts_the_likely_cause_first() -> None:
    deps = {"auth": {"auth", "payments", "checkout"}, "payments": {"payments", "checkout"}}

    def dependents(service: str) -> frozenset[str]:
        return frozenset(deps.get(service, {service}))

    assert card_for("checkout", ["payments"], dependents) == ("payments", "payments")
    assert card_for("auth", ["payments"], dependents) == ("payments", "auth")
    assert card_for("search", ["payments"], dependents) is None
    assert likely_cause_first(["checkout", "payments"], "payments", dependents) == [
        "payments",
        "checkout",
    ]


def test_patterns_name_themselves(tmp_path: Path) -> None:
    config = load_catalog(_config(tmp_path)).policy.signals
    assert config is not None
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    fired = [now - timedelta(minutes=m) for m in (40, 20, 1)]
    assert patterns.repeats(config, fired, now) is None
    assert patterns.repeats(config, [*fired, now], now) == "repeats: fired 3 times within 30m"
    reports = [("acme", now), ("acme", now), ("globex", now - timedelta(hours=1))]
    assert patterns.customer_reports(config, reports, now) is None
    reports.append(("initech", now))
    assert patterns.customer_reports(config, reports, now) == (
        "customer_reports: 2 accounts reported it within 30m (acme, initech)"
    )
    assert patterns.sustained_due(config, now) == now + timedelta(minutes=15)
