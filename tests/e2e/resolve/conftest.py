"""Fixtures of the customer-facing end-to-end tests (updates, resolve, review, App Home): the
fixture config with a webhook, a FakeClock at a known start."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.conftest import FIXTURE_CONFIG
from tests.e2e.resolve.support import SECRET
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook import FakeWebhookReceiver
from tests.support.harness import FakeClock, RunningBeacon

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[FakeWebhookReceiver]:
    with FakeWebhookReceiver() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def beacon(
    database_url: str,
    slack: FakeSlack,
    receiver: FakeWebhookReceiver,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningBeacon]:
    for source in FIXTURE_CONFIG.iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    with (tmp_path / "policy.yaml").open("a") as policy:
        policy.write(f'webhooks:\n  - {{url: "{receiver.url}", secret_env: TEST_WEBHOOK_SECRET}}\n')
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=tmp_path, clock=clock
    ) as app:
        yield app
