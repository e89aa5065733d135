"""A declaration stored once per request key, on SQLite and PostgreSQL: a redelivered
submission answers with the incident it declared, even when it runs beside its original."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.beacon import Beacon
from app.bootstrap import build
from app.domain.declaration import parse_declare
from app.services.declare import Declared
from app.settings import Settings
from app.store.models import Incident, OutboxItem

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "config"


@pytest.fixture
def beacon(database_url: str) -> Iterator[Beacon]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        beacon_config_dir=FIXTURE,
        slack_bot_token="xoxb-never-called",
        slack_signing_secret="s",
    )
    beacon = build(settings)
    yield beacon
    beacon.engine.dispose()


def _declare(beacon: Beacon, request_key: str) -> Declared:
    declaration = parse_declare("P2 Checkout down services: checkout", beacon.catalog)
    return beacon.incidents.declare(
        declaration, actor="U0RESP1", request_key=request_key, origin_channel=None
    )


def _counts(beacon: Beacon) -> tuple[int, int]:
    with beacon.uow.read() as session:
        incidents = session.scalar(select(func.count()).select_from(Incident))
        items = session.scalar(select(func.count()).select_from(OutboxItem))
    return int(incidents or 0), int(items or 0)


def test_a_redelivered_declaration_answers_with_the_first(beacon: Beacon) -> None:
    first = _declare(beacon, "command:T1")
    stored = _counts(beacon)
    again = _declare(beacon, "command:T1")
    assert (first.created, again.created) == (True, False)
    assert again.number == first.number
    assert _counts(beacon) == stored
    assert _declare(beacon, "command:T2").number == first.number + 1


def test_deliveries_side_by_side_declare_once(beacon: Beacon) -> None:
    with ThreadPoolExecutor(2) as threads:
        for attempt in range(5):
            key = f"command:T{attempt}"
            both = list(threads.map(lambda k: _declare(beacon, k), [key, key]))
            assert sorted(declared.created for declared in both) == [False, True]
            assert both[0].number == both[1].number
    assert _counts(beacon)[0] == 5
