"""`signals:` of policy.yaml (SPEC 3, 5.8): loaded as written; mistakes reported with file:line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app.catalog.loader import load_catalog
from app.catalog.models import LabelMatcher
from tests.unit.test_catalog import _errors, _write

ANCHOR = "pagerduty:\n  routing_key_env: PAGERDUTY_ROUTING_KEY\n"
BLOCK = """\
signals:
  token_env: BEACON_SIGNALS_TOKEN
  triage_channel: "#alerts"
  group_within: 10m
  rules:
    - match: {alertname: CheckoutErrorRate}
      severity: SEV2
      declare: auto
    - match: {severity: critical, service: "~pay.*"}
      severity: SEV1
    - match: {env: staging}
      declare: ignore
  escalate:
    repeats: {count: 3, within: 30m}
    sustained: 15m
    customer_reports: {accounts: 2, within: 30m}
"""


def _config(tmp_path: Path, block: str = BLOCK) -> Path:
    return _write(tmp_path, {"policy": (ANCHOR, ANCHOR + block)})


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_block_loads_as_written(tmp_path: Path) -> None:
    signals = load_catalog(_config(tmp_path)).policy.signals
    assert signals is not None
    assert (signals.token_env, signals.triage_channel) == ("BEACON_SIGNALS_TOKEN", "#alerts")
    assert signals.group_within == timedelta(minutes=10)
    assert [rule.declare for rule in signals.rules] == ["auto", "triage", "ignore"]
    assert signals.rules[1].match == (
        LabelMatcher("severity", "critical"),
        LabelMatcher("service", "pay.*", regex=True),
    )
    assert signals.repeats is not None and signals.repeats.count == 3
    assert signals.sustained == timedelta(minutes=15)
    assert signals.customer_reports is not None and signals.customer_reports.accounts == 2


def test_block_is_optional(tmp_path: Path) -> None:
    assert load_catalog(_write(tmp_path)).policy.signals is None


def test_mistakes_are_reported_with_file_and_line(tmp_path: Path) -> None:
    block = (
        BLOCK.replace('"~pay.*"', '"~pay(("')
        .replace("severity: SEV2", "severity: SEV9")
        .replace("{env: staging}", "{service: chekout}")
        .replace("declare: ignore", "declare: never")
    )
    directory = _config(tmp_path, block)
    policy = directory / "policy.yaml"
    errors = _errors(directory)
    assert any(
        e.startswith(f"policy.yaml:{_line(policy, 'pay((')}:") and "bad regex" in e for e in errors
    )
    assert f"policy.yaml:{_line(policy, 'SEV9')}: unknown severity `SEV9`" in "\n".join(errors)
    assert any(
        e.startswith(f"policy.yaml:{_line(policy, 'chekout')}:") and "Did you mean `checkout`" in e
        for e in errors
    )
    assert any(e.startswith(f"policy.yaml:{_line(policy, 'never')}:") for e in errors)
