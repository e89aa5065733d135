from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon

FIXTURE_CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "config"
SEEDED_CHANNELS = ("incidents", "cs-incidents", "acct-acme", "general")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(channels=SEEDED_CHANNELS, users={"dana@example.com": "U0DANA"}) as fake:
        yield fake


@pytest.fixture
def beacon(database_url: str, slack: FakeSlack) -> Iterator[RunningBeacon]:
    with RunningBeacon(database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG) as app:
        yield app
