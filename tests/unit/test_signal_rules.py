"""The first matching rule decides (SPEC 5.8): exact and ``~regex`` matchers, defaults."""

from __future__ import annotations

from pathlib import Path

from app.catalog.loader import load_catalog
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
