"""Fixtures of the decision-rights tests: Beacon on the email-flavoured fixture config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import SEEDED_CHANNELS
from tests.e2e.rights.support import PEOPLE, START, write_config
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(channels=SEEDED_CHANNELS, users=PEOPLE) as fake:
        yield fake


@pytest.fixture
def beacon(
    database_url: str, slack: FakeSlack, clock: FakeClock, config_dir: Path
) -> Iterator[RunningBeacon]:
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=config_dir, clock=clock
    ) as app:
        yield app
