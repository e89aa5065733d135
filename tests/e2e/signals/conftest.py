from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import FIXTURE_CONFIG, SEEDED_CHANNELS
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon

TOKEN = "s3cret-signals-token"
BLOCK = """
signals:
  token_env: BEACON_SIGNALS_TOKEN
  triage_channel: "#alerts"
  group_within: 10m
  rules:
    - match: {alertname: CheckoutDown}
      severity: P2
      declare: auto
    - match: {env: "~stag.*"}
      declare: ignore
    - match: {severity: critical}
      severity: P1
  escalate:
    repeats: {count: 3, within: 30m}
    sustained: 15m
    customer_reports: {accounts: 2, within: 30m}
"""


@pytest.fixture
def signals_config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(FIXTURE_CONFIG, target)
    policy = target / "policy.yaml"
    policy.write_text(policy.read_text() + BLOCK)
    return target


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    channels = (*SEEDED_CHANNELS, "alerts")
    with FakeSlack(channels=channels, users={"dana@example.com": "U0DANA"}) as fake:
        yield fake


@pytest.fixture
def beacon(
    database_url: str, slack: FakeSlack, signals_config: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningBeacon]:
    monkeypatch.setenv("BEACON_SIGNALS_TOKEN", TOKEN)
    with RunningBeacon(database_url=database_url, slack=slack, config_dir=signals_config) as app:
        yield app


def alert(fingerprint: str, status: str = "firing", **labels: str) -> dict[str, object]:
    return {
        "status": status,
        "labels": {"alertname": "HighLatency", **labels},
        "generatorURL": "https://prom.example.com/graph?g0.expr=up&g0.tab=1",
        "annotations": {
            "summary": f"{labels.get('alertname', 'HighLatency')} on {labels.get('service')}"
        },
        "startsAt": "2026-12-03T03:00:00Z",
        "fingerprint": fingerprint,
    }


def webhook(*alerts: dict[str, object]) -> dict[str, object]:
    return {"version": "4", "status": "firing", "receiver": "beacon", "alerts": list(alerts)}


def send(
    app: RunningBeacon, body: object, path: str = "/signals/alertmanager", token: str = TOKEN
) -> httpx.Response:
    return app.http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
