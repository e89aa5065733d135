"""Store tests run against each database Beacon supports (``database_url``: SQLite always,
PostgreSQL when TEST_DATABASE_URL is set), migrated and empty."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.store.db import UnitOfWork, make_engine


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    engine = make_engine(database_url, lock_timeout=10.0)
    yield UnitOfWork(engine)
    engine.dispose()
